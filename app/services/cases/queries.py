"""Reading cases: the queue's filtered, paginated list and one case (staff detail or public view)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select
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
    #: a company name (as the directory gives it) or a SIRET, or part of one
    search: str | None = None


def company_name() -> ColumnElement[str]:
    """The company's name as the directory gave it when the case was filed (none without a SIRET)."""
    name: ColumnElement[str] = CaseFile.profile["resolved"]["lookup"]["name"].as_string()
    return name


def company_siret() -> ColumnElement[str]:
    """The SIRET the applicant gave, without spaces."""
    return func.replace(CaseFile.profile["given"]["siret"].as_string(), " ", "")


def search_condition(text: str) -> ColumnElement[bool]:
    """Cases whose company name contains `text` (any case), or whose SIRET contains its digits."""
    words = " ".join(text.split())
    name = company_name()
    # SQLite's lower() and upper() change ASCII letters only: « DÉCOLLETAGE » is found by
    # « décolletage » through upper(), « Décolletage » by « DÉCOLLETAGE » through lower().
    condition = func.lower(name).contains(words.lower(), autoescape=True) | func.upper(name).contains(
        words.upper(), autoescape=True
    )
    digits = words.replace(" ", "")
    if digits.isdigit():
        condition = condition | company_siret().contains(digits, autoescape=True)
    return condition


def filtered_cases(staff: Staff, filters: CaseFilters, now: datetime, *, by_status: bool = True) -> Select[CaseFile]:
    """The cases `staff` reads that pass `filters` (their statuses too, unless `by_status` is False)."""
    query = readable_cases(staff)
    if by_status and filters.statuses:
        query = query.where(CaseFile.status.in_(filters.statuses))
    if filters.search and filters.search.strip():
        query = query.where(search_condition(filters.search))
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
    return query


def list_cases(session: Session, ctx: MatchContext, staff: Staff, filters: CaseFilters, now: datetime) -> CasePage:
    query = filtered_cases(staff, filters, now)
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
