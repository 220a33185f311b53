"""Idempotency keys of partners' requests (IETF httpapi "Idempotency-Key" draft, as Stripe does).

A key is reserved, in a transaction of its own, before the request runs: a second request with
the key finds it reserved (in flight: refused) or completed (its answer is replayed). The answer
is stored in the request's own transaction, with the case it created: both or neither. A request
that fails releases its key. Keys belong to a partner and live 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import DomainError, ErrorKind, InvalidInput
from app.models import IdempotencyKey

KEPT_FOR = timedelta(hours=24)
#: a reservation older than this belongs to a request that died (a crash between two transactions)
ABANDONED_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255


class RequestInFlight(DomainError):
    kind = ErrorKind.CONFLICT
    slug = "requete-en-cours"
    title = "Requête déjà en cours"


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: dict[str, str]
    body: str


def request_digest(operation: str, body: bytes) -> str:
    """The request's digest: its operation and its JSON body, whatever the spacing or key order."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(operation.encode() + b"\n" + canonical).hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput("Idempotency-Key", f"clé de 1 à {MAX_KEY_LENGTH} caractères ASCII imprimables attendue")
    return key


def reserve(session: Session, partner_id: uuid.UUID, key: str, digest: str, now: datetime) -> StoredAnswer | None:
    """Reserve the key for this request (None), or the answer to replay; refused when the key is
    in flight (409) or was used for another request (422)."""
    existing = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.partner_id == partner_id, IdempotencyKey.key == key)
    )
    if existing is not None and (
        existing.expires_at <= now or (existing.completed_at is None and existing.created_at < now - ABANDONED_AFTER)
    ):
        session.delete(existing)
        session.flush()
        existing = None
    if existing is None:
        row = IdempotencyKey(
            partner_id=partner_id,
            key=key,
            request_digest=digest,
            created_at=now,
            expires_at=now + KEPT_FOR,
            response_headers={},
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another request reserved it meanwhile (its transaction committed first).
            existing = session.scalar(
                select(IdempotencyKey).where(IdempotencyKey.partner_id == partner_id, IdempotencyKey.key == key)
            )
            if existing is None:
                raise
        else:
            return None
    if existing.request_digest != digest:
        raise InvalidInput(
            "Idempotency-Key",
            "cette clé d'idempotence a déjà servi pour une autre requête : une clé par requête",
        )
    if existing.completed_at is None or existing.response_status is None or existing.response_body is None:
        raise RequestInFlight(
            "La première requête portant cette clé d'idempotence est encore en cours : réessayez dans un instant."
        )
    return StoredAnswer(existing.response_status, dict(existing.response_headers), existing.response_body)


def complete(session: Session, partner_id: uuid.UUID, key: str, answer: StoredAnswer, now: datetime) -> None:
    """Store the answer, in the request's transaction (with what the request wrote)."""
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.partner_id == partner_id, IdempotencyKey.key == key)
    )
    if row is None:  # released meanwhile: nothing to replay later
        return
    row.completed_at = now
    row.response_status, row.response_headers, row.response_body = answer.status, answer.headers, answer.body


def release(session: Session, partner_id: uuid.UUID, key: str) -> None:
    """The request failed: the key is free again (only while not completed)."""
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.partner_id == partner_id, IdempotencyKey.key == key, IdempotencyKey.completed_at.is_(None)
        )
    )


def forget_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def answer_of(status: int, headers: dict[str, Any], body: bytes) -> StoredAnswer:
    return StoredAnswer(status, {k: str(v) for k, v in headers.items()}, body.decode())
