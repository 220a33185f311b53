"""When a case is overdue: the rules, the SQL condition that selects overdue cases, and the
reasons given for one case. The queue, the reminders and the statistics all read them here, so
that a case counted late is a case listed late and reminded."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement

from app.cases.calendar import overdue_cutoff
from app.cases.lifecycle import OPEN_STATUSES, CaseStatus
from app.clock import PARIS
from app.models import CaseFile

#: a case still `submitted` after this many working days is overdue
SUBMITTED_WORKING_DAYS = 5
#: an open case with no event for this many days is overdue
QUIET_DAYS = 14


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open cases left `submitted` beyond 5 working days, or without any event for 14 days."""
    today = now.astimezone(PARIS).date()
    cutoff = datetime.combine(overdue_cutoff(today, SUBMITTED_WORKING_DAYS), time(), PARIS).astimezone(UTC)
    return CaseFile.status.in_(OPEN_STATUSES) & (
        ((CaseFile.status == CaseStatus.SUBMITTED) & (CaseFile.submitted_at < cutoff))
        | (CaseFile.last_event_at < now - timedelta(days=QUIET_DAYS))
    )


class OverdueReason(NamedTuple):
    kind: str  # relance_prise_en_compte | relance_sans_evenement
    text: str


def overdue_reasons(case: CaseFile, now: datetime) -> list[OverdueReason]:
    if case.status not in OPEN_STATUSES:
        return []
    reasons = []
    today = now.astimezone(PARIS).date()
    if case.status == CaseStatus.SUBMITTED and case.submitted_at.astimezone(PARIS).date() < overdue_cutoff(
        today, SUBMITTED_WORKING_DAYS
    ):
        text = f"déposée depuis plus de {SUBMITTED_WORKING_DAYS} jours ouvrés sans être prise en compte"
        reasons.append(OverdueReason("relance_prise_en_compte", text))
    if case.last_event_at < now - timedelta(days=QUIET_DAYS):
        reasons.append(OverdueReason("relance_sans_evenement", f"aucun événement depuis plus de {QUIET_DAYS} jours"))
    return reasons
