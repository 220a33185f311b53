"""Who is signed in on the desk (/espace): the staff member of the session.

The desk's pages depend on `SignedIn`. A session is a signed cookie (HttpOnly, SameSite=Lax,
Secure over https) naming the member, when the session was opened and when it was last used;
each page refreshes it (8 hours idle close it). Whether it still holds (member active, opened
after their last "sign out everywhere") is read from the database at each request
(app.services.sign_in.session_member), so that disabling an account closes its sessions at once.

How a session is opened is the sign-in method's business (app.web.signin): `open_session` is
all it needs once it knows who the person is.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.db import db_session
from app.errors import DomainError, ErrorKind
from app.services.sign_in import SESSION_IDLE, SessionRefused, session_member
from app.services.staff import desk_principal
from app.services.tokens import Staff
from app.web.application import now_of
from app.web.security import cookie_header, set_cookie_later

SESSION_COOKIE = "guichet_session"
DESK_PATH = "/espace"
SIGN_IN_PATH = "/espace/connexion"

# The commit happens when the route returns, before the answer is sent (as for the API).
Db = Annotated[Session, Depends(db_session, scope="function")]


class NotSignedIn(DomainError):
    """Turned into a redirection to the sign-in page by the pages' error handler (app.web.errors)."""

    kind = ErrorKind.UNAUTHENTICATED
    slug = "connexion-requise"
    title = "Connexion requise"


def _signature(key: bytes, payload: str) -> str:
    return hmac.new(key, b"session:" + payload.encode(), hashlib.sha256).hexdigest()


def _millis(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def _instant(millis: str) -> datetime:
    return datetime.fromtimestamp(int(millis) / 1000, UTC)


def _cookie_value(key: bytes, member_id: uuid.UUID, opened_at: datetime, seen_at: datetime) -> str:
    payload = f"{member_id.hex}.{_millis(opened_at)}.{_millis(seen_at)}"
    return f"{payload}.{_signature(key, payload)}"


def _read_cookie(key: bytes, value: str) -> tuple[uuid.UUID, datetime, datetime] | None:
    """The session a cookie names, if this service signed it; None for anything else."""
    parts = value.split(".")
    if len(parts) != 4 or len(value) > 200:
        return None
    payload, signature = ".".join(parts[:3]), parts[3]
    if not hmac.compare_digest(signature, _signature(key, payload)):
        return None
    try:
        return uuid.UUID(hex=parts[0]), _instant(parts[1]), _instant(parts[2])
    except (ValueError, OverflowError, OSError):
        return None


def open_session(request: Request, member_id: uuid.UUID) -> None:
    """The answer to `request` opens a session for the member (a sign-in method knows who it is)."""
    now = now_of(request)
    value = _cookie_value(request.app.state.token_key, member_id, now, now)
    set_cookie_later(request, cookie_header(request, SESSION_COOKIE, value, max_age=int(SESSION_IDLE.total_seconds())))


def close_session(request: Request) -> None:
    """The answer to `request` removes this browser's session cookie."""
    set_cookie_later(request, cookie_header(request, SESSION_COOKIE, "", max_age=0))


def session_of(request: Request) -> tuple[uuid.UUID, datetime, datetime] | None:
    value = request.cookies.get(SESSION_COOKIE)
    return _read_cookie(request.app.state.token_key, value) if value else None


def signed_in(request: Request, session: Db) -> Staff:
    """The signed-in member as the case services know a caller; NotSignedIn otherwise."""
    found = session_of(request)
    if found is None:
        raise NotSignedIn("Connectez-vous à l'espace des chefs de projet pour ouvrir cette page.")
    member_id, opened_at, seen_at = found
    now = now_of(request)
    try:
        member = session_member(session, member_id, opened_at, seen_at, now)
    except SessionRefused as exc:
        close_session(request)
        raise NotSignedIn(exc.detail) from None
    value = _cookie_value(request.app.state.token_key, member_id, opened_at, now)
    set_cookie_later(request, cookie_header(request, SESSION_COOKIE, value, max_age=int(SESSION_IDLE.total_seconds())))
    request.state.staff_member_id = member.id
    return desk_principal(session, member)


SignedIn = Annotated[Staff, Depends(signed_in)]


def safe_next(value: str | None) -> str | None:
    """A page of the desk to open after signing in: a path of this site under /espace, never
    another site's address (no scheme, no host, no `//`, no backslash, no control character)."""
    if not value or len(value) > 300 or "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return None
    if not (parts.path == DESK_PATH or parts.path.startswith(DESK_PATH + "/")):
        return None
    return value
