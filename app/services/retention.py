"""Personal data rights (RGPD): what is held about an e-mail address, its erasure, and the
retention of closed cases.

Anonymising a case removes what identifies the applicant: contact (name, e-mail, phone), message,
what it wrote in its own words in the profile, the SIRET and the establishment's name read from
the directory, and the notes of its events and of the queue (which may name the person: the
database lets an event's note be erased, and nothing else of it change). The NAF code, size band,
commune, schemes, statuses and dates stay, so that the indicators stay true. The anonymisation
itself is an event of the case.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.cases.lifecycle import OPEN_STATUSES
from app.clock import PARIS
from app.models import CaseEvent, CaseFile, CaseNote
from app.services.cases.views import partners_of, without_applicant_text

DEFAULT_MONTHS = 36
#: what replaces the applicant's words
ERASED = "(effacé)"
#: what identifies the company of a sole trader in the profile snapshot: its SIRET wherever it is,
#: and the establishment's name as the directory gave it (the `lookup` object)
SIRET_KEY, LOOKUP_KEY, NAME_KEY = "siret", "lookup", "name"


def _scrubbed(value: Any, within: str = "") -> Any:
    if isinstance(value, dict):
        return {
            key: None if key == SIRET_KEY or (within == LOOKUP_KEY and key == NAME_KEY) else _scrubbed(item, key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(item, within) for item in value]
    return value


def anonymise(session: Session, case: CaseFile, now: datetime, why: str) -> None:
    """Remove the applicant's personal data from the case, and record that it was done."""
    case.contact_name = ERASED
    case.contact_email = ERASED
    case.contact_phone = None
    case.message = ERASED
    case.profile = _scrubbed(without_applicant_text(copy.deepcopy(case.profile)))
    session.flush()
    session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(CaseNote)
        .where(CaseNote.case_id == case.id)
        .values(body=ERASED)
        .execution_options(synchronize_session=False)
    )
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=now,
            kind="anonymised",
            actor_kind="system",
            actor_label="Guichet",
            detail={"why": why},
            version=case.version,
        )
    )
    session.flush()


def is_anonymised(case: CaseFile) -> bool:
    return case.contact_email == ERASED


def months_before(now: datetime, months: int) -> datetime:
    local = now.astimezone(PARIS)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, 28)
    return local.replace(year=year, month=month + 1, day=day)


def purge_closed_cases(
    session: Session, now: datetime, *, older_than_months: int = DEFAULT_MONTHS, dry_run: bool = False
) -> list[uuid.UUID]:
    """Anonymise the cases that ended (accepted, declined, withdrawn, closed) more than N months ago."""
    cutoff = months_before(now, older_than_months)
    cases = list(
        session.scalars(
            select(CaseFile)
            .where(
                CaseFile.status.not_in(OPEN_STATUSES),
                CaseFile.last_event_at < cutoff,
                CaseFile.contact_email != ERASED,
            )
            .order_by(CaseFile.last_event_at, CaseFile.id)
        )
    )
    if not dry_run:
        for case in cases:
            anonymise(session, case, now, f"conservation : dossier terminé depuis plus de {older_than_months} mois")
    return [c.id for c in cases]


def _cases_of(session: Session, email: str) -> list[CaseFile]:
    wanted = email.strip().lower()
    return list(
        session.scalars(
            select(CaseFile).where(func.lower(CaseFile.contact_email) == wanted).order_by(CaseFile.submitted_at)
        )
    )


@dataclass(frozen=True)
class Export:
    email: str
    cases: list[dict[str, Any]]


def export_personal_data(session: Session, email: str) -> Export:
    """Everything held about the person who gave this address: its cases, as it gave them."""
    cases = _cases_of(session, email)
    partners = partners_of(session, [c.id for c in cases])
    exported = []
    for case in cases:
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
        exported.append(
            {
                "case_id": str(case.id),
                "status": case.status,
                "submitted_at": case.submitted_at.isoformat(),
                "filed_by_partner": partners.get(case.id),
                "contact": {"name": case.contact_name, "email": case.contact_email, "phone": case.contact_phone},
                "consent_at": case.consent_at.isoformat(),
                "message": case.message,
                "profile": case.profile.get("given", {}),
                "history": [
                    {
                        "at": e.occurred_at.isoformat(),
                        "kind": e.kind,
                        "to_status": e.to_status,
                        "note": e.note if e.actor_kind in ("applicant", "partner") else None,
                    }
                    for e in events
                ],
            }
        )
    return Export(email, exported)


def erase_personal_data(session: Session, email: str, now: datetime) -> list[uuid.UUID]:
    """Anonymise every case of this address; the ids of the cases erased."""
    cases = _cases_of(session, email)
    for case in cases:
        anonymise(session, case, now, "effacement demandé (RGPD)")
    return [c.id for c in cases]
