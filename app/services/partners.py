"""Partner sites and their API keys: added and issued by the operators' CLI.

A key is a token like a staff token (256 random bits, shown once, only its keyed digest kept),
valid 18 months by default. Two active keys at most per partner: the next one is issued before
the old one is revoked, so that a key is rotated without downtime.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.company.identifiers import InvalidIdentifier, validate_siren
from app.errors import InvalidInput, NotFound
from app.models import OutboxMessage, Partner, PartnerKey
from app.services.tokens import PARTNER_PREFIX, Scope, new_token, revoke, token_digest

#: 18 months
DEFAULT_KEY_DAYS = 548
ACTIVE_KEYS_AT_MOST = 2
#: the partner's contact is told this many days before a key expires
EXPIRY_NOTICE_DAYS = 30


class PartnerNotFound(NotFound):
    slug = "partenaire-introuvable"
    title = "Partenaire introuvable"


class PartnerKeyNotFound(NotFound):
    slug = "cle-introuvable"
    title = "Clé de partenaire introuvable"


def add_partner(
    session: Session,
    *,
    name: str,
    contact_role: str,
    siren: str | None = None,
    contact_email: str | None = None,
    now: datetime,
) -> Partner:
    name, contact_role = name.strip(), contact_role.strip()
    if not name:
        raise InvalidInput("name", "indiquez le nom de l'organisation partenaire")
    if not contact_role:
        raise InvalidInput("contact_role", "indiquez le rôle de l'interlocuteur (un service, pas une personne)")
    if session.scalar(select(Partner.id).where(Partner.name == name)) is not None:
        raise InvalidInput("name", f"un partenaire s'appelle déjà « {name} »")
    if siren is not None:
        try:
            siren = validate_siren(siren)
        except InvalidIdentifier as exc:
            raise InvalidInput("siren", str(exc)) from None
    address = (contact_email or "").strip() or None
    if address is not None:
        try:
            address = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            raise InvalidInput("contact_email", "adresse e-mail invalide (exemple : numerique@cci.example)") from None
    partner = Partner(
        id=uuid.uuid4(),
        name=name,
        siren=siren,
        contact_role=contact_role,
        contact_email=address,
        active=True,
        created_at=now,
    )
    session.add(partner)
    session.flush()
    return partner


def find_partner(session: Session, reference: str) -> Partner:
    """A partner by its id or its exact name."""
    try:
        partner = session.get(Partner, uuid.UUID(reference))
    except ValueError:
        partner = session.scalar(select(Partner).where(Partner.name == reference.strip()))
    if partner is None:
        raise PartnerNotFound(f"Aucun partenaire « {reference} » (identifiant ou nom exact).")
    return partner


def set_active(session: Session, partner: Partner, active: bool) -> Partner:
    """A partner deactivated: its keys are refused at once (and work again once it is reactivated)."""
    partner.active = active
    session.flush()
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.name)))


@dataclass(frozen=True)
class IssuedKey:
    key: str
    record: PartnerKey


def create_key(
    session: Session,
    digest_key: bytes,
    partner: Partner,
    *,
    scopes: Iterable[str] = (),
    valid_for: timedelta = timedelta(days=DEFAULT_KEY_DAYS),
    now: datetime,
) -> IssuedKey:
    chosen = sorted(set(scopes)) or sorted(Scope)
    for scope in chosen:
        if scope not in set(Scope):
            raise InvalidInput("scope", f"« {scope} » inconnu (possibles : {', '.join(Scope)})")
    if valid_for <= timedelta(0):
        raise InvalidInput("expires", "la durée de validité doit être positive")
    if not partner.active:
        raise InvalidInput("partner", f"le partenaire « {partner.name} » est désactivé")
    active = session.scalar(
        select(func.count())
        .select_from(PartnerKey)
        .where(PartnerKey.partner_id == partner.id, PartnerKey.revoked_at.is_(None), PartnerKey.expires_at > now)
    )
    if (active or 0) >= ACTIVE_KEYS_AT_MOST:
        raise InvalidInput(
            "partner",
            f"le partenaire a déjà {ACTIVE_KEYS_AT_MOST} clés actives : "
            "révoquez l'ancienne une fois la nouvelle en service",
        )
    key = new_token(PARTNER_PREFIX)
    record = PartnerKey(
        id=uuid.uuid4(),
        partner_id=partner.id,
        digest=token_digest(digest_key, key),
        scopes=chosen,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(record)
    session.flush()
    return IssuedKey(key, record)


def list_keys(session: Session, partner: Partner) -> list[PartnerKey]:
    return list(
        session.scalars(select(PartnerKey).where(PartnerKey.partner_id == partner.id).order_by(PartnerKey.created_at))
    )


def revoke_key(session: Session, key_id: uuid.UUID, now: datetime) -> PartnerKey:
    return revoke(session, PartnerKey, key_id, now, PartnerKeyNotFound(f"Aucune clé d'identifiant {key_id}."))


def notify_expiring_keys(session: Session, now: datetime) -> int:
    """An e-mail to the partner's address for each key that expires within 30 days (once per key)."""
    rows = session.execute(
        select(PartnerKey, Partner)
        .join(Partner, Partner.id == PartnerKey.partner_id)
        .where(
            PartnerKey.revoked_at.is_(None),
            PartnerKey.expires_at > now,
            PartnerKey.expires_at <= now + timedelta(days=EXPIRY_NOTICE_DAYS),
            Partner.active.is_(True),
            Partner.contact_email.is_not(None),
        )
    ).all()
    keys = {f"cle-expire:{key.id}": (key, partner) for key, partner in rows}
    if not keys:
        return 0
    known = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    written = 0
    for dedupe_key, (key, partner) in keys.items():
        if dedupe_key in known:
            continue
        session.add(
            OutboxMessage(
                dedupe_key=dedupe_key,
                channel="email",
                kind="cle_expire_bientot",
                recipient=partner.contact_email,
                subject="Une clé d'accès au guichet expire bientôt",
                body="\n".join(
                    [
                        "Bonjour,",
                        "",
                        f"La clé d'accès {key.id} de « {partner.name} » à l'API du guichet unique Territoires "
                        f"d'industrie expire le {key.expires_at:%d/%m/%Y}.",
                        "Demandez une nouvelle clé à l'administration du guichet, mettez-la en service, "
                        "puis faites révoquer l'ancienne : deux clés peuvent être actives en même temps.",
                    ]
                ),
                created_at=now,
            )
        )
        written += 1
    session.flush()
    return written
