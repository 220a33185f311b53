"""Reading cases: the queue's filtered, paginated list and one case (staff detail or public view)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from app.models import CaseFile, CaseScheme
from app.schemas.case import CaseDetail, CasePage, PublicCase
from app.services.cases.access import readable_case, readable_cases
from app.services.cases.overdue import overdue_condition
from app.services.cases.views import CaseViews, public_view
from app.services.matching import MatchContext
from app.services.tokens import Applicant, Principal, Staff


@dataclass(frozen=True)
class CaseFilters:
    statuses: Sequence[str] = ()
    scheme_id: str | None = None
    ti_id: str | None = None
    queue_id: str | None = None
    waiting_more_than_days: int | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = 25


def list_cases(session: Session, ctx: MatchContext, staff: Staff, filters: CaseFilters, now: datetime) -> CasePage:
    query = readable_cases(staff)
    if filters.statuses:
        query = query.where(CaseFile.status.in_(filters.statuses))
    if filters.ti_id:
        query = query.where(CaseFile.ti_id == filters.ti_id)
    if filters.queue_id:
        query = query.where(CaseFile.queue_id == filters.queue_id)
    if filters.scheme_id:
        query = query.where(
            CaseFile.id.in_(select(CaseScheme.case_id).where(CaseScheme.scheme_id == filters.scheme_id))
        )
    if filters.waiting_more_than_days is not None:
        query = query.where(CaseFile.submitted_at < now - timedelta(days=filters.waiting_more_than_days))
    if filters.overdue is not None:
        condition = overdue_condition(now)
        query = query.where(condition if filters.overdue else ~condition)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            # The snapshot is the detail's: a page of the queue does not read (nor decode) it.
            query.options(defer(CaseFile.profile), defer(CaseFile.verdicts), defer(CaseFile.routing))
            .order_by(CaseFile.submitted_at, CaseFile.id)
            .offset((filters.page - 1) * filters.per_page)
            .limit(filters.per_page)
        )
    )
    views = CaseViews(session, ctx, rows)
    items = [views.summary(case, staff, now) for case in rows]
    return CasePage(items=items, total=total, page=filters.page, per_page=filters.per_page)


def read_case(
    session: Session, ctx: MatchContext, principal: Principal, case_id: uuid.UUID, now: datetime
) -> CaseDetail | PublicCase:
    case = readable_case(session, principal, case_id)
    if isinstance(principal, Applicant):
        return public_view(session, ctx, case)
    return CaseViews(session, ctx, [case]).detail(case, principal, now)
