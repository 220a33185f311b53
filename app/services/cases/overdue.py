"""When a case is overdue: the rules, the SQL condition that selects overdue cases, and the
reasons given for one case. The queue, the reminders and the statistics all read them here, so
that a case counted late is a case listed late and reminded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, literal_column, or_

from app.cases.calendar import LOCAL_CALENDARS, NATIONAL, calendar_of_commune, overdue_cutoff
from app.cases.lifecycle import OPEN_STATUSES, CaseStatus
from app.clock import PARIS
from app.models import CaseFile

#: a case still `submitted` after this many working days is overdue
SUBMITTED_WORKING_DAYS = 5
#: an open case with no event for this many days is overdue
QUIET_DAYS = 14


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open cases left `submitted` beyond 5 working days, or without any event for 14 days.

    The working days depend on the company's département (its holidays): one cutoff per calendar,
    the départements of a calendar told apart by the commune code, which begins with their code.
    Only the calendars whose cutoff differs from the national one today get a branch of their own.
    """
    filed_before_cutoff, _, _ = _filed_before_cutoff(now)
    return CaseFile.status.in_(OPEN_STATUSES) & (
        ((CaseFile.status == CaseStatus.SUBMITTED) & filed_before_cutoff)
        | (CaseFile.last_event_at < now - timedelta(days=QUIET_DAYS))
    )


def overdue_ranges(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The overdue cases as disjoint conditions, each read over the range of an index that holds
    its cases and few others: still submitted and filed before the cutoff, and submitted since the
    earliest cutoff but without an event since the quiet limit (`ix_case_file_queue_submitted`);
    further on and without an event since the quiet limit (`ix_case_file_queue_quiet`).

    Together, exactly `overdue_condition`. The statuses are written out, as in the indexes'
    conditions, for the databases to see that the indexes hold these cases.
    """
    filed_before_cutoff, earliest_cutoff, latest_cutoff = _filed_before_cutoff(now)
    quiet = CaseFile.last_event_at < now - timedelta(days=QUIET_DAYS)
    submitted = CaseFile.status == literal_column(f"'{CaseStatus.SUBMITTED}'")
    further_on = CaseFile.status.in_(
        [literal_column(f"'{status}'") for status in OPEN_STATUSES if status != CaseStatus.SUBMITTED]
    )
    return (
        submitted & (CaseFile.submitted_at < latest_cutoff) & filed_before_cutoff,
        submitted & (CaseFile.submitted_at >= earliest_cutoff) & ~filed_before_cutoff & quiet,
        further_on & quiet,
    )


def _filed_before_cutoff(now: datetime) -> tuple[ColumnElement[bool], datetime, datetime]:
    """The condition of a case filed before its calendar's cutoff; the earliest and latest cutoffs."""
    today = now.astimezone(PARIS).date()
    national = _cutoff_instant(today, NATIONAL)
    local: dict[datetime, list[str]] = {}
    for calendar, departements in LOCAL_CALENDARS.items():
        cutoff = _cutoff_instant(today, calendar)
        if cutoff != national:
            local.setdefault(cutoff, []).extend(departements)
    in_local = {cutoff: or_(*(CaseFile.commune_code.startswith(d) for d in deps)) for cutoff, deps in local.items()}
    filed_before_cutoff = CaseFile.submitted_at < national
    if in_local:
        filed_before_cutoff = (filed_before_cutoff & ~or_(*in_local.values())) | or_(
            *(where & (CaseFile.submitted_at < cutoff) for cutoff, where in in_local.items())
        )
    return filed_before_cutoff, min([national, *local]), max([national, *local])


def _cutoff_instant(today: date, calendar: str) -> datetime:
    """The start (in Paris) of the earliest filing day not yet overdue, as stored: in UTC."""
    return datetime.combine(overdue_cutoff(today, SUBMITTED_WORKING_DAYS, calendar), time(), PARIS).astimezone(UTC)


class OverdueReason(NamedTuple):
    kind: str  # relance_prise_en_compte | relance_sans_evenement
    text: str


def overdue_reasons(case: CaseFile, now: datetime) -> list[OverdueReason]:
    if case.status not in OPEN_STATUSES:
        return []
    reasons = []
    today = now.astimezone(PARIS).date()
    cutoff = overdue_cutoff(today, SUBMITTED_WORKING_DAYS, calendar_of_commune(case.commune_code))
    if case.status == CaseStatus.SUBMITTED and case.submitted_at.astimezone(PARIS).date() < cutoff:
        text = f"déposée depuis plus de {SUBMITTED_WORKING_DAYS} jours ouvrés sans être prise en compte"
        reasons.append(OverdueReason("relance_prise_en_compte", text))
    if case.last_event_at < now - timedelta(days=QUIET_DAYS):
        reasons.append(OverdueReason("relance_sans_evenement", f"aucun événement depuis plus de {QUIET_DAYS} jours"))
    return reasons
