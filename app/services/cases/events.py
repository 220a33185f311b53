"""The history of a case: one event row per change, written in the change's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.models import CaseEvent, CaseFile
from app.services.tokens import PartnerSite, Staff


def case_event(
    case: CaseFile,
    now: datetime,
    kind: str,
    actor: Staff | PartnerSite | None,
    *,
    version: int,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """An event by `actor`: a staff member, a partner (for the SME), or the applicant when None."""
    if isinstance(actor, PartnerSite):
        actor_kind, actor_id, label = "partner", None, f"Partenaire : {actor.name}"[:120]
    elif actor is not None:
        actor_kind, actor_id, label = "staff", actor.token_id, actor.holder
    else:
        actor_kind, actor_id, label = "applicant", None, "Demandeur"
    return CaseEvent(
        case_id=case.id,
        occurred_at=now,
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        actor_label=label,
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
        note=note,
        version=version,
    )
