"""Case statistics for the queues a token sees: counts by TI, scheme and status, the median time to
acknowledgement, the overdue count. No personal data, by construction: only case columns that
describe the request are read."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
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
            select(CaseScheme.scheme_id, func.count())
            .join(cases, cases.c.id == CaseScheme.case_id)
            .group_by(CaseScheme.scheme_id)
            .order_by(CaseScheme.scheme_id)
        )
    ]
    delays = [
        (acknowledged - submitted).total_seconds() / 3600
        for submitted, acknowledged in session.execute(
            select(cases.c.submitted_at, cases.c.acknowledged_at).where(cases.c.acknowledged_at.is_not(None))
        )
        if acknowledged is not None
    ]
    overdue = session.scalar(
        select(func.count()).select_from(CaseFile).where(CaseFile.id.in_(select(cases.c.id)), overdue_condition(now))
    )
    return CaseStats(
        scope="toutes les files" if staff.is_admin else ", ".join(sorted(staff.queue_ids)),
        total=sum(c.count for c in by_status),
        by_ti=by_ti,
        by_scheme=by_scheme,
        by_status=by_status,
        acknowledged=len(delays),
        median_hours_to_acknowledgement=round(statistics.median(delays), 1) if delays else None,
        overdue=overdue or 0,
    )
