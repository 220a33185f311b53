"""What the case routes depend on: the request's transaction, the clock, who is calling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from anyio import to_thread
from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.db import Database, db_session
from app.errors import ErrorKind, InvalidInput
from app.problems import raises
from app.routers.rate_limits import client_address
from app.schemas.case import CaseDetail, PartnerCaseOut, PublicCase
from app.schemas.text import MAX_VERSION
from app.services.cases.access import require_partner, require_staff
from app.services.tokens import (
    PartnerSite,
    Principal,
    Scope,
    Staff,
    Unauthenticated,
    authenticate,
    note_key_use,
)

# The commit happens when the route returns, before the answer is sent (scope="function").
# A database that is down answers 503: declared here, documented on every route that opens a session.
Db = Annotated[Session, Depends(raises(ErrorKind.UNAVAILABLE)(db_session), scope="function")]

# Declared for the OpenAPI document (the "Authorize" button); the header is read by `principal`.
_bearer = HTTPBearer(
    auto_error=False,
    description="Jeton d'accès (chef de projet, administrateur), clé de partenaire ou jeton de suivi.",
)


# The trivial dependencies are async: run on the event loop, not handed to the thread pool and back.
async def now(request: Request) -> datetime:
    clock = request.app.state.clock
    instant: datetime = clock()
    return instant


Now = Annotated[datetime, Depends(now)]


@raises(ErrorKind.UNAUTHENTICATED)
def principal(
    request: Request,
    session: Db,
    at: Now,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return authenticate(session, request.app.state.token_key, bearer_token(request.headers.get("authorization")), at)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header (RFC 6750)."""
    if not authorization:
        raise Unauthenticated("Jeton absent : envoyez l'en-tête Authorization: Bearer <jeton>.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("En-tête Authorization invalide : format attendu « Bearer <jeton> ».")
    return token


@raises(ErrorKind.FORBIDDEN)
async def staff(caller: Annotated[Principal, Depends(principal)]) -> Staff:
    return require_staff(caller)


Caller = Annotated[Principal, Depends(principal)]
StaffCaller = Annotated[Staff, Depends(staff)]


async def if_match(value: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version in an If-Match header: `"3"`, `W/"3"` or `3`."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    # ASCII digits only ("²" is a digit to Python, not to int()), and no more than a version can
    # have: a header of thousands of digits is not a number to convert.
    if (
        not (text.isascii() and text.isdigit())
        or len(text) > len(str(MAX_VERSION))
        or not 1 <= int(text) <= MAX_VERSION
    ):
        raise InvalidInput("If-Match", 'version du dossier attendue, par exemple "3" (valeur de l\'en-tête ETag)')
    return int(text)


IfMatch = Annotated[int | None, Depends(if_match)]


def version_read(in_body: int | None, in_header: int | None) -> int | None:
    """The version the caller read, given in the body or in If-Match (the same, if in both)."""
    if in_body is not None and in_header is not None and in_body != in_header:
        raise InvalidInput("version", "la version du corps et celle de l'en-tête If-Match diffèrent")
    return in_body if in_body is not None else in_header


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def versioned(status: int = 200, **headers: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI side of `tagged`: the answer carries the ETag (and the other `headers` described)."""
    described = {"ETag": "La version du dossier, à renvoyer dans If-Match pour le modifier.", **headers}
    return {
        status: {
            "headers": {
                name: {"description": text, "required": True, "schema": {"type": "string"}}
                for name, text in described.items()
            }
        }
    }


AnswerT = TypeVar("AnswerT", bound=CaseDetail | PublicCase | PartnerCaseOut)


def tagged(response: Response, answer: AnswerT) -> AnswerT:
    """The answer, its version sent as the ETag a later If-Match quotes."""
    response.headers.update(etag(answer.version))
    return answer


# --- Partners: the key read in a transaction of its own, so that a request can reserve its
# idempotency key before its main transaction begins.


@raises(ErrorKind.UNAUTHENTICATED, ErrorKind.UNAVAILABLE)
async def key_holder(
    request: Request,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """Who holds the request's token, or None without an Authorization header."""
    return await holder_of(request)


async def holder_of(request: Request) -> Principal | None:
    """`key_holder` read by a route open to all, without a dependency of its own: such a route
    (POST /v1/match) is called mostly without a token, and each dependency costs every call."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    token = bearer_token(header)
    at: datetime = request.app.state.clock()
    database: Database = request.app.state.database
    key: bytes = request.app.state.token_key

    def identify() -> Principal:
        with database.session(writing=False) as session:
            found = authenticate(session, key, token, at)
        if isinstance(found, PartnerSite) and found.stale_last_use:
            with database.session(writing=True) as session:
                note_key_use(session, found, at)
        return found

    return await to_thread.run_sync(identify)


KeyHolder = Annotated[Principal | None, Depends(key_holder)]


def partner_with(scope: Scope) -> Callable[..., Awaitable[PartnerSite]]:
    """The dependency of a partner route: a key with `scope`, within the partner rate limit."""

    @raises(ErrorKind.FORBIDDEN, ErrorKind.RATE_LIMITED)
    async def partner(request: Request, caller: KeyHolder) -> PartnerSite:
        if caller is None:
            raise Unauthenticated("Clé absente : envoyez l'en-tête Authorization: Bearer <clé de partenaire>.")
        site = require_partner(caller, scope)
        await request.app.state.rate_limits.hit("partenaire", str(site.key_id))
        return site

    return partner


PartnerReader = Annotated[PartnerSite, Depends(partner_with(Scope.CASES_READ))]
PartnerWriter = Annotated[PartnerSite, Depends(partner_with(Scope.CASES_WRITE))]


async def _partner_or_nobody(request: Request, caller: Principal | None, scope: Scope) -> PartnerSite | None:
    """A partner key with `scope`, counted against its limit; None for any other caller (a staff or
    tracking token changes nothing here)."""
    if not isinstance(caller, PartnerSite):
        return None
    site = require_partner(caller, scope)
    await request.app.state.rate_limits.hit("partenaire", str(site.key_id))
    return site


async def filer_of(request: Request, caller: Principal | None) -> PartnerSite | None:
    """Who files a request: a partner key that may write cases, or the applicant itself (limited
    per client address; staff file as the applicant would)."""
    site = await _partner_or_nobody(request, caller, Scope.CASES_WRITE)
    if site is None:
        await request.app.state.rate_limits.hit("anonyme", client_address(request))
    return site


@raises(ErrorKind.UNAUTHENTICATED, ErrorKind.UNAVAILABLE, ErrorKind.FORBIDDEN, ErrorKind.RATE_LIMITED)
async def matcher(request: Request) -> PartnerSite | None:
    """A match is public; a partner key must have the `match` scope, and counts against its limit."""
    return await _partner_or_nobody(request, await holder_of(request), Scope.MATCH)


#: the OpenAPI requirement of a route open to all, where a key may be sent (the empty one first)
OPTIONAL_BEARER: dict[str, Any] = {"security": [{}, {"HTTPBearer": []}]}


async def if_none_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="L'ETag d'une lecture précédente : 304, sans corps, si le dossier n'a pas changé.",
        ),
    ] = None,
) -> str | None:
    return value


def not_modified(version: int, if_none_match: str | None) -> Response | None:
    """304 when the caller already has this version of the case (its ETag, weak or strong, or *)."""
    if if_none_match is None:
        return None
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    if "*" in tags or etag(version)["ETag"] in tags:
        return Response(status_code=304, headers=etag(version))
    return None


IfNoneMatch = Annotated[str | None, Depends(if_none_match)]
