"""The history of a case: one event row per change, written in the change's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.models import CaseEvent, CaseFile
from app.services.tokens import Staff


def case_event(
    case: CaseFile,
    now: datetime,
    kind: str,
    staff: Staff | None,
    *,
    version: int,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """An event by `staff`, or by the applicant when `staff` is None."""
    return CaseEvent(
        case_id=case.id,
        occurred_at=now,
        kind=kind,
        actor_kind="staff" if staff else "applicant",
        actor_id=staff.token_id if staff else None,
        actor_label=staff.holder if staff else "Demandeur",
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
        note=note,
        version=version,
    )
