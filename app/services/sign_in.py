"""Signing in to the desk by an e-mailed link: ask, receive, follow; and what a session stands on.

Asking: the page says the same thing whether the address is an active member's or not, and does
the same work (a token made, a request row written, the message composed); only a member's
request gets a link digest and an outbox message. Requests are counted in the database (per
address and per client address, both as keyed digests), so that the limits hold across workers.

Following: the link opens once, within `LINK_VALID_FOR`; its token is stored as a digest only
(app.services.tokens.token_digest), consumed by a conditional UPDATE so that two clicks at once
open one session.

A session stands on the member (active) and its opening instant (after the member's
`sessions_valid_after`, which "sign out everywhere" moves to now). How the browser keeps it
(a signed cookie) is the pages' business (app.web.staff_session).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.errors import DomainError, ErrorKind
from app.models import SignInRequest, StaffMember
from app.services.mail import sign_in_link_message
from app.services.staff import member_by_email, normalised_email
from app.services.tokens import new_token, token_digest

LINK_PREFIX = "gtc_"
LINK_VALID_FOR = timedelta(minutes=15)
#: requests per address, and per client address, within their windows
PER_ADDRESS = (5, timedelta(minutes=15))
PER_CLIENT = (20, timedelta(hours=1))
#: a session unused this long is closed
SESSION_IDLE = timedelta(hours=8)


@dataclass(frozen=True)
class LinkRequested:
    """What the page may say: nothing about whether the address is known."""


@dataclass(frozen=True)
class TooManyRequests:
    retry_after: timedelta


class LinkRefused(DomainError):
    kind = ErrorKind.NOT_FOUND
    slug = "lien-de-connexion-refuse"
    title = "Lien de connexion refusé"

    def __init__(self, why: Literal["unknown", "expired", "used"]) -> None:
        texts = {
            "unknown": "Ce lien de connexion n'est pas valide : il a peut-être été mal copié.",
            "expired": "Ce lien de connexion a expiré : il n'est valable que 15 minutes.",
            "used": "Ce lien de connexion a déjà servi : chaque lien n'ouvre qu'une session.",
        }
        super().__init__(texts[why])
        self.why = why


class SessionRefused(DomainError):
    kind = ErrorKind.UNAUTHENTICATED
    slug = "session-fermee"
    title = "Session fermée"


def _digest(key: bytes, purpose: str, value: str) -> str:
    return token_digest(key, f"{purpose}:{value}")


def request_link(
    session: Session,
    key: bytes,
    *,
    email: str,
    client: str,
    next_path: str | None,
    link_url: str,
    now: datetime,
) -> LinkRequested | TooManyRequests:
    """A link for `email` if it is an active member's (written to the outbox), within the limits.

    `link_url` is the link's address before its token (the token is appended).
    """
    email_digest = _digest(key, "email", normalised_email(email))
    client_digest = _digest(key, "client", client)
    for column, value, (limit, window) in (
        (SignInRequest.email_digest, email_digest, PER_ADDRESS),
        (SignInRequest.client_digest, client_digest, PER_CLIENT),
    ):
        since = now - window
        count, oldest = session.execute(
            select(func.count(), func.min(SignInRequest.requested_at)).where(
                column == value, SignInRequest.requested_at > since
            )
        ).one()
        if count >= limit:
            return TooManyRequests(max(oldest + window - now, timedelta(seconds=1)))
    member = member_by_email(session, email)
    known = member is not None and member.active
    token = new_token(LINK_PREFIX)
    message = sign_in_link_message(recipient=normalised_email(email), link=link_url + token, now=now)
    session.add(
        SignInRequest(
            id=uuid.uuid4(),
            requested_at=now,
            email_digest=email_digest,
            client_digest=client_digest,
            link_digest=token_digest(key, token) if known else None,
            staff_member_id=member.id if known and member else None,
            expires_at=now + LINK_VALID_FOR,
            next_path=next_path,
        )
    )
    if known:
        session.add(message)
    session.flush()
    return LinkRequested()


def link_request(session: Session, key: bytes, token: str, now: datetime) -> SignInRequest:
    """The request a link was sent for, if it may still open a session; LinkRefused otherwise."""
    row = session.scalar(select(SignInRequest).where(SignInRequest.link_digest == token_digest(key, token)))
    if row is None or row.staff_member_id is None:
        raise LinkRefused("unknown")
    if row.used_at is not None:
        raise LinkRefused("used")
    if row.expires_at <= now:
        raise LinkRefused("expired")
    return row


def consume_link(session: Session, key: bytes, token: str, now: datetime) -> tuple[StaffMember, str | None]:
    """The member the link opens a session for (the link is spent), and the page asked for."""
    row = link_request(session, key, token, now)
    spent = session.execute(
        update(SignInRequest)
        .where(SignInRequest.id == row.id, SignInRequest.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused("used")
    member = session.get(StaffMember, row.staff_member_id)
    if member is None or not member.active:
        raise LinkRefused("unknown")
    return member, row.next_path


def session_member(
    session: Session, member_id: uuid.UUID, opened_at: datetime, last_seen: datetime, now: datetime
) -> StaffMember:
    """The member of a session opened at `opened_at` and last used at `last_seen`, if it still holds."""
    member = session.get(StaffMember, member_id)
    if member is None or not member.active:
        raise SessionRefused("Ce compte n'est plus actif : la session est fermée.")
    if member.sessions_valid_after is not None and opened_at <= member.sessions_valid_after:
        raise SessionRefused("Vous avez été déconnecté de tous vos appareils : connectez-vous de nouveau.")
    if now - last_seen > SESSION_IDLE:
        raise SessionRefused("Votre session a expiré après 8 heures sans activité : connectez-vous de nouveau.")
    return member


def sign_out_everywhere(session: Session, member_id: uuid.UUID, now: datetime) -> None:
    member = session.get(StaffMember, member_id)
    if member is not None:
        member.sessions_valid_after = now
