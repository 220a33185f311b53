"""Case statistics for the queues a token sees: counts by TI, scheme and status, the median time to
acknowledgement, the overdue count. No personal data, by construction: only case columns that
describe the request are read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, func, select
from sqlalchemy.orm import Session

from app.cases.lifecycle import CaseStatus
from app.models import CaseFile, CaseScheme
from app.services.cases.access import readable_cases
from app.services.cases.overdue import overdue_condition
from app.services.matching import MatchContext
from app.services.tokens import Staff


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class CaseStats:
    scope: str
    total: int
    by_ti: list[Count]
    by_scheme: list[Count]
    by_status: list[Count]
    acknowledged: int
    median_hours_to_acknowledgement: float | None
    overdue: int


def case_stats(session: Session, ctx: MatchContext, staff: Staff, now: datetime) -> CaseStats:
    cases = (
        readable_cases(staff)
        .with_only_columns(
            CaseFile.id, CaseFile.ti_id, CaseFile.status, CaseFile.submitted_at, CaseFile.acknowledged_at
        )
        .subquery()
    )
    territories = ctx.territories.perimeters.territories
    schemes = ctx.catalogue.schemes

    by_ti = [
        Count(ti or "", territories[ti].name if ti in territories else (ti or "Hors TI ou statut inconnu"), n)
        for ti, n in session.execute(
            select(cases.c.ti_id, func.count()).group_by(cases.c.ti_id).order_by(cases.c.ti_id)
        )
    ]
    by_status = [
        Count(status, CaseStatus(status).label, n)
        for status, n in session.execute(
            select(cases.c.status, func.count()).group_by(cases.c.status).order_by(cases.c.status)
        )
    ]
    by_scheme = [
        Count(scheme_id, schemes[scheme_id].definition.name if scheme_id in schemes else scheme_id, n)
        for scheme_id, n in session.execute(
            # IN rather than a join: planners then read the queue's cases first, by its index.
            select(CaseScheme.scheme_id, func.count())
            .where(CaseScheme.case_id.in_(select(cases.c.id)))
            .group_by(CaseScheme.scheme_id)
            .order_by(CaseScheme.scheme_id)
        )
    ]
    acknowledged, median_hours = _median_hours_to_acknowledgement(session, cases)
    overdue = session.scalar(
        select(func.count()).select_from(readable_cases(staff).where(overdue_condition(now)).subquery())
    )
    return CaseStats(
        scope="toutes les files" if staff.is_admin else ", ".join(sorted(staff.queue_ids)),
        total=sum(c.count for c in by_status),
        by_ti=by_ti,
        by_scheme=by_scheme,
        by_status=by_status,
        acknowledged=acknowledged,
        median_hours_to_acknowledgement=round(median_hours, 1) if median_hours is not None else None,
        overdue=overdue or 0,
    )


def _median_hours_to_acknowledgement(session: Session, cases: Subquery) -> tuple[int, float | None]:
    """How many cases were acknowledged, and the median of their delays in hours, computed by the
    database: the figures read one row, however many cases the queues hold."""
    dialect = session.get_bind().dialect.name
    submitted, acknowledged = cases.c.submitted_at, cases.c.acknowledged_at
    hours: ColumnElement[Any]
    if dialect == "postgresql":
        hours = func.extract("epoch", acknowledged - submitted) / 3600
    else:
        # SQLite keeps UTC instants as text: julianday() reads them, in days.
        hours = (func.julianday(acknowledged) - func.julianday(submitted)) * 24
    delays = select(hours.label("hours")).where(acknowledged.is_not(None)).subquery()
    count = session.scalar(select(func.count()).select_from(delays)) or 0
    if count == 0:
        return 0, None
    if dialect == "postgresql":
        median = session.scalar(select(func.percentile_cont(0.5).within_group(delays.c.hours)))
    else:
        # The middle delay, or the mean of the two middle ones: what percentile_cont(0.5) gives.
        middle = select(delays.c.hours).order_by(delays.c.hours).limit(2 - count % 2).offset((count - 1) // 2)
        median = session.scalar(select(func.avg(middle.subquery().c.hours)))
    return count, float(median) if median is not None else None
