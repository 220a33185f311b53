"""The Idempotency-Key header of partners' POSTs: reserve, replay, complete, release.

The key is reserved in a transaction of its own before the request's transaction begins (so that
a second request sees it in flight), completed inside the request's transaction (with the case it
wrote), and released if the request fails.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import ErrorKind
from app.problems import raises
from app.routers.access import KeyHolder, Now
from app.services import idempotency
from app.services.tokens import PartnerSite, Principal

REPLAYED = "Idempotent-Replayed"
#: the headers of an answer that a replay gives again
KEPT_HEADERS = ("Location", "ETag")


@dataclass
class Idempotency:
    partner_id: uuid.UUID | None = None
    key: str | None = None
    replay: idempotency.StoredAnswer | None = None

    @property
    def keyed(self) -> bool:
        return self.key is not None

    def replayed(self) -> Response | None:
        """The first answer again, when this request repeats one already answered."""
        if self.replay is None:
            return None
        stored = self.replay
        return Response(
            stored.body,
            status_code=stored.status,
            headers={**stored.headers, REPLAYED: "true"},
            media_type="application/json",
        )

    def keep(self, session: Session, response: JSONResponse, now: datetime) -> None:
        """Store the answer with the request's writes (same transaction)."""
        if self.partner_id is None or self.key is None:
            return
        headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        answer = idempotency.answer_of(response.status_code, headers, bytes(response.body))
        idempotency.complete(session, self.partner_id, self.key, answer, now)


#: the header, as documented on every route that accepts it
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Clé d'idempotence d'un partenaire (24 h) : la même requête avec la même clé "
        "rend la première réponse (en-tête Idempotent-Replayed).",
    ),
]


@asynccontextmanager
async def reserved(
    request: Request, caller: Principal | None, key: str | None, at: datetime
) -> AsyncIterator[Idempotency]:
    """The request's key reserved for the block (none without a key or for a caller that is not a
    partner), released if the block raises before the answer was stored."""
    if key is None or not isinstance(caller, PartnerSite):
        yield Idempotency()
        return
    key = idempotency.check_key(key)
    digest = idempotency.request_digest(
        f"{request.method} {request.url.path}?{request.url.query}", await request.body()
    )
    database: Database = request.app.state.database
    partner_id = caller.partner_id

    def reserve() -> idempotency.StoredAnswer | None:
        with database.session(writing=True) as session:
            return idempotency.reserve(session, partner_id, key, digest, at)

    def release() -> None:
        with database.session(writing=True) as session:
            idempotency.release(session, partner_id, key)

    stored = await to_thread.run_sync(reserve)
    try:
        yield Idempotency(partner_id, key, stored)
    except BaseException:
        if stored is None:
            await to_thread.run_sync(release)
        raise


@raises(ErrorKind.CONFLICT, ErrorKind.INVALID, ErrorKind.UNAVAILABLE)
async def idempotent(
    request: Request, caller: KeyHolder, at: Now, key: IdempotencyKeyHeader = None
) -> AsyncIterator[Idempotency]:
    async with reserved(request, caller, key, at) as once:
        yield once


Idempotent = Annotated[Idempotency, Depends(idempotent, scope="function")]
