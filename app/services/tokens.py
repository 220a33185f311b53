"""Access tokens: staff tokens (admin, project lead), partner API keys and the applicant's tracking token.

A token is 256 random bits, shown once. Only its HMAC-SHA256 digest under a server key is stored,
so that a copy of the database alone gives no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError, ErrorKind, InvalidInput
from app.models import AccessToken, CaseFile, Partner, PartnerKey
from app.settings import Settings

Role = Literal["admin", "project_lead"]
STAFF_PREFIX = "gti_"
TRACKING_PREFIX = "gtd_"
PARTNER_PREFIX = "gtp_"


class Scope(StrEnum):
    """What a partner key may do."""

    MATCH = "match"
    CASES_WRITE = "cases:write"
    CASES_READ = "cases:read"


class Unauthenticated(DomainError):
    kind = ErrorKind.UNAUTHENTICATED
    slug = "authentification-requise"
    title = "Authentification requise"


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN
    slug = "acces-refuse"
    title = "Accès refusé"


class TokenNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    slug = "jeton-introuvable"
    title = "Jeton introuvable"


def load_token_key(settings: Settings) -> bytes:
    """The digest key: GUICHET_TOKEN_KEY, else a random key kept in `token_key_file` (made once)."""
    if settings.token_key:
        return settings.token_key.encode()
    path = settings.token_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together cannot both write a key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def token_digest(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Staff:
    token_id: uuid.UUID
    role: Role
    holder: str
    ti_ids: frozenset[str]
    region_codes: frozenset[str]

    @staticmethod
    def of(row: AccessToken) -> Staff:
        return Staff(row.id, row.role, row.holder, frozenset(row.ti_ids), frozenset(row.region_codes))  # type: ignore[arg-type]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def queue_ids(self) -> frozenset[str]:
        """The queues of a project lead (an admin's are all, see `sees_queue`)."""
        return frozenset({f"ti:{t}" for t in self.ti_ids} | {f"region:{r}" for r in self.region_codes})

    def sees_queue(self, queue_id: str) -> bool:
        return self.is_admin or queue_id in self.queue_ids


@dataclass(frozen=True)
class Applicant:
    """The holder of a case's tracking token: that case, nothing else."""

    case_id: uuid.UUID


@dataclass(frozen=True)
class PartnerSite:
    """A partner's API key: the cases its partner filed, within the key's scopes."""

    partner_id: uuid.UUID
    key_id: uuid.UUID
    name: str
    scopes: frozenset[str]
    #: the key's last-used day is behind: the caller writes it (once a day, not at every request)
    stale_last_use: bool = False


Principal = Staff | Applicant | PartnerSite


def authenticate(session: Session, key: bytes, token: str, now: datetime) -> Principal:
    """Who holds `token`: a staff member, or the applicant of one case."""
    if not token:
        raise Unauthenticated("Jeton absent.")
    digest = token_digest(key, token)
    if token.startswith(TRACKING_PREFIX):
        case_id = session.scalar(select(CaseFile.id).where(CaseFile.tracking_digest == digest))
        if case_id is None:
            raise Unauthenticated("Jeton de suivi inconnu.")
        return Applicant(case_id)
    if token.startswith(PARTNER_PREFIX):
        return _partner_site(session, digest, now)
    row = session.scalar(select(AccessToken).where(AccessToken.digest == digest))
    if row is None:
        raise Unauthenticated("Jeton inconnu.")
    if row.revoked_at is not None:
        raise Unauthenticated("Jeton révoqué.")
    if row.expires_at <= now:
        raise Unauthenticated("Jeton expiré.")
    return Staff.of(row)


def _partner_site(session: Session, digest: str, now: datetime) -> PartnerSite:
    found = session.execute(
        select(PartnerKey, Partner)
        .join(Partner, Partner.id == PartnerKey.partner_id)
        .where(PartnerKey.digest == digest)
    ).first()
    if found is None:
        raise Unauthenticated("Clé de partenaire inconnue.")
    key, partner = found
    if key.revoked_at is not None:
        raise Unauthenticated("Clé de partenaire révoquée.")
    if key.expires_at <= now:
        raise Unauthenticated("Clé de partenaire expirée.")
    if not partner.active:
        raise Unauthenticated("Partenaire désactivé.")
    stale = key.last_used_at is None or key.last_used_at < day_start(now)
    return PartnerSite(partner.id, key.id, partner.name, frozenset(key.scopes), stale)


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def note_key_use(session: Session, site: PartnerSite, now: datetime) -> None:
    """The key's last-used day, written at most once a day."""
    key = session.get(PartnerKey, site.key_id)
    if key is not None:
        key.last_used_at = day_start(now)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: AccessToken


def create_token(
    session: Session,
    key: bytes,
    *,
    role: Role,
    holder: str,
    ti_ids: Iterable[str],
    region_codes: Iterable[str],
    known_ti_ids: Iterable[str],
    known_region_codes: Iterable[str],
    valid_for: timedelta,
    now: datetime,
) -> IssuedToken:
    ti_ids, region_codes = sorted(set(ti_ids)), sorted(set(region_codes))
    if not holder.strip():
        raise InvalidInput("holder", "indiquez qui détient le jeton (un rôle, un service)")
    if role == "project_lead" and not ti_ids and not region_codes:
        raise InvalidInput("scope", "un chef de projet a au moins une file : un TI ou une région")
    if role == "admin" and (ti_ids or region_codes):
        raise InvalidInput("scope", "un administrateur voit toutes les files : ni TI ni région à indiquer")
    for field, given, known in (("ti", ti_ids, set(known_ti_ids)), ("region", region_codes, set(known_region_codes))):
        for value in given:
            if value not in known:
                raise InvalidInput(field, f"« {value} » inconnu (connus : {', '.join(sorted(known))})")
    if valid_for <= timedelta(0):
        raise InvalidInput("expires", "la durée de validité doit être positive")
    token = new_token(STAFF_PREFIX)
    record = AccessToken(
        id=uuid.uuid4(),
        digest=token_digest(key, token),
        role=role,
        holder=holder.strip(),
        ti_ids=ti_ids,
        region_codes=region_codes,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(record)
    session.flush()
    return IssuedToken(token, record)


RevocableT = TypeVar("RevocableT", AccessToken, PartnerKey)


def revoke(
    session: Session, model: type[RevocableT], record_id: uuid.UUID, now: datetime, missing: DomainError
) -> RevocableT:
    """Revoke a staff token or a partner key (the first revocation time is kept); `missing` if unknown."""
    record = session.get(model, record_id)
    if record is None:
        raise missing
    if record.revoked_at is None:
        record.revoked_at = now
    return record


def revoke_token(session: Session, token_id: uuid.UUID, now: datetime) -> AccessToken:
    return revoke(session, AccessToken, token_id, now, TokenNotFound(f"Aucun jeton d'identifiant {token_id}."))


def list_tokens(session: Session) -> list[AccessToken]:
    return list(session.scalars(select(AccessToken).order_by(AccessToken.created_at)))
