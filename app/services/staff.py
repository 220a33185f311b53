"""Staff accounts: the people who triage requests on the desk (/espace), and the principal they act as.

A staff member acts on cases as a `Staff` principal, the same the API builds from a bearer token,
so that the case services serve the desk unchanged. Its `token_id` is the member's desk identity:
an `access_token` row tied to the member whose digest no token has (`desk:<member id>`, not a
hex HMAC), so that the events, notes and assignments that name access tokens name the member,
and no bearer token ever opens it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import DomainError, ErrorKind, InvalidInput, NotFound
from app.models import AccessToken, StaffMember
from app.services.tokens import DESK_DIGEST_PREFIX, Role, Staff, checked_scope

#: a desk identity does not expire: the member's account says whether it may act
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EmailTaken(DomainError):
    kind = ErrorKind.CONFLICT
    slug = "adresse-deja-utilisee"
    title = "Adresse déjà utilisée"


class StaffNotFound(NotFound):
    slug = "compte-introuvable"
    title = "Compte introuvable"


def normalised_email(text: str) -> str:
    """The address as stored and compared: trimmed, lower case."""
    return text.strip().lower()


def valid_email(text: str) -> str:
    email = normalised_email(text)
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("email", "adresse e-mail invalide (format attendu : prenom.nom@exemple.fr)")
    return email


def add_staff(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    ti_ids: Iterable[str],
    region_codes: Iterable[str],
    known_ti_ids: Iterable[str],
    known_region_codes: Iterable[str],
    now: datetime,
) -> StaffMember:
    address = valid_email(email)
    if not name.strip():
        raise InvalidInput("name", "indiquez le nom affiché aux collègues (prénom et nom, ou une fonction)")
    tis, regions = checked_scope(role, ti_ids, region_codes, known_ti_ids, known_region_codes)
    if session.scalar(select(StaffMember.id).where(StaffMember.email == address)) is not None:
        raise EmailTaken("Cette adresse e-mail est déjà celle d'un compte (guichet staff list).")
    member = StaffMember(
        id=uuid.uuid4(),
        email=address,
        display_name=name.strip(),
        role=role,
        ti_ids=tis,
        region_codes=regions,
        active=True,
        created_at=now,
    )
    session.add(member)
    session.flush()
    session.add(
        AccessToken(
            id=uuid.uuid4(),
            digest=f"{DESK_DIGEST_PREFIX}{member.id}",
            role=role,
            holder=member.display_name,
            ti_ids=tis,
            region_codes=regions,
            created_at=now,
            expires_at=NEVER,
            staff_member_id=member.id,
        )
    )
    session.flush()
    return member


def list_staff(session: Session) -> list[StaffMember]:
    return list(session.scalars(select(StaffMember).order_by(StaffMember.created_at, StaffMember.email)))


def member_by_email(session: Session, email: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.email == normalised_email(email)))


def disable_staff(session: Session, email: str, now: datetime) -> StaffMember:
    """The member can no longer sign in; their sessions and tokens stop working at once, and no
    colleague can assign them a case (their desk identity is revoked with their tokens)."""
    member = member_by_email(session, email)
    if member is None:
        raise StaffNotFound("Aucun compte n'a cette adresse e-mail (guichet staff list).")
    if member.active:
        member.active, member.disabled_at = False, now
        session.execute(
            update(AccessToken)
            .where(AccessToken.staff_member_id == member.id, AccessToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    return member


class Absence(Protocol):
    """A member's declared absence, on its account or on a row read of it."""

    @property
    def absent_from(self) -> date | None: ...

    @property
    def absent_until(self) -> date | None: ...


def is_absent(member: Absence, day: date) -> bool:
    return (
        member.absent_from is not None
        and member.absent_from <= day
        and (member.absent_until is None or day <= member.absent_until)
    )


def desk_identity(session: Session, member: StaffMember) -> AccessToken:
    return session.scalars(select(AccessToken).where(AccessToken.digest == f"{DESK_DIGEST_PREFIX}{member.id}")).one()


def desk_principal(session: Session, member: StaffMember) -> Staff:
    """The member as the case services know a caller: the member's name and queues, today's."""
    identity = desk_identity(session, member)
    return Staff(
        identity.id,
        member.role,  # type: ignore[arg-type]
        member.display_name,
        frozenset(member.ti_ids),
        frozenset(member.region_codes),
    )


def member_of(session: Session, member_id: uuid.UUID) -> StaffMember:
    member = session.get(StaffMember, member_id)
    if member is None:
        raise StaffNotFound("Ce compte n'existe plus.")
    return member


def set_absence(session: Session, member_id: uuid.UUID, absent_from: str, absent_until: str) -> StaffMember:
    """The member's absence (ISO dates, both days included; both empty: present). During it, new
    requests are told to the queue's other members, or to the admins when no one else is present."""
    member = member_of(session, member_id)
    first, last = _day("absent_from", absent_from), _day("absent_until", absent_until)
    if last is not None and first is None:
        raise InvalidInput("absent_from", "indiquez le premier jour de l'absence")
    if first is not None and last is not None and last < first:
        raise InvalidInput("absent_until", "le dernier jour doit suivre le premier")
    member.absent_from, member.absent_until = first, last
    return member


def _day(field: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field, "date invalide (format attendu : AAAA-MM-JJ)") from None
