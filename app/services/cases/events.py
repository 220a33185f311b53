"""The history of a case: one event row per change, written in the change's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import CaseEvent, CaseFile
from app.services.tokens import PartnerSite, Staff


def event_row(
    case_id: uuid.UUID,
    now: datetime,
    kind: str,
    actor: Staff | PartnerSite | None,
    *,
    version: int,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event of the case `case_id` by `actor` (a staff member, a partner for the SME, or the
    applicant when None), as the values of its row (`CaseEvent(**row)` to add it to a session)."""
    if isinstance(actor, PartnerSite):
        actor_kind, actor_id, label = "partner", None, f"Partenaire : {actor.name}"[:120]
    elif actor is not None:
        actor_kind, actor_id, label = "staff", actor.token_id, actor.holder
    else:
        actor_kind, actor_id, label = "applicant", None, "Demandeur"
    return {
        "case_id": case_id,
        "occurred_at": now,
        "kind": kind,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "actor_label": label,
        "from_status": from_status,
        "to_status": to_status,
        "detail": detail or {},
        "note": note,
        "version": version,
    }


def record_event(
    session: Session, case: CaseFile, now: datetime, kind: str, actor: Staff | PartnerSite | None, **fields: Any
) -> None:
    """The event of `case` (`event_row`, whose keywords `fields` are) added to `session`."""
    session.add(CaseEvent(**event_row(case.id, now, kind, actor, **fields)))
