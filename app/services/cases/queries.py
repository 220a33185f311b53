"""Reading cases: the queue's filtered, paginated list and one case (staff detail or public view)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, defer

from app.cases.lifecycle import CaseStatus
from app.models import CaseFile, CaseScheme
from app.schemas.case import CaseDetail, CasePage, PartnerCaseItem, PartnerCaseOut, PublicCase
from app.services.cases.access import PARTNER_ELSEWHERE, readable_case, readable_cases
from app.services.cases.overdue import overdue_condition
from app.services.cases.views import CaseViews, partner_view, public_view
from app.services.matching import MatchContext
from app.services.tokens import Applicant, Forbidden, PartnerSite, Principal, Staff


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
    if isinstance(principal, PartnerSite):
        raise Forbidden(PARTNER_ELSEWHERE)
    case = readable_case(session, principal, case_id)
    if isinstance(principal, Applicant):
        return public_view(session, ctx, case)
    return CaseViews(session, ctx, [case]).detail(case, principal, now)


#: where a partner's list resumes: the last case of the previous page, by (updated at, id)
Position = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class PartnerCaseList:
    items: list[PartnerCaseItem]
    #: where the next page starts; None: this was the last page
    next_after: Position | None


def list_partner_cases(
    session: Session,
    partner: PartnerSite,
    *,
    statuses: Sequence[str] = (),
    updated_since: datetime | None = None,
    after: Position | None = None,
    limit: int = 50,
) -> PartnerCaseList:
    """The partner's cases, least recently updated first, so that a sync resumes where it stopped."""
    query = readable_cases(partner)
    if statuses:
        query = query.where(CaseFile.status.in_(statuses))
    if updated_since is not None:
        query = query.where(CaseFile.last_event_at >= updated_since)
    if after is not None:
        at, case_id = after
        query = query.where(or_(CaseFile.last_event_at > at, (CaseFile.last_event_at == at) & (CaseFile.id > case_id)))
    rows = list(
        session.scalars(
            query.options(defer(CaseFile.profile), defer(CaseFile.verdicts), defer(CaseFile.routing))
            .order_by(CaseFile.last_event_at, CaseFile.id)
            .limit(limit + 1)
        )
    )
    page = rows[:limit]
    items = [
        PartnerCaseItem(
            id=c.id,
            status=c.status,
            status_label=CaseStatus(c.status).label,
            version=c.version,
            submitted_at=c.submitted_at,
            updated_at=c.last_event_at,
        )
        for c in page
    ]
    more = len(rows) > limit
    return PartnerCaseList(items, (page[-1].last_event_at, page[-1].id) if more else None)


def read_partner_case(session: Session, ctx: MatchContext, partner: PartnerSite, case_id: uuid.UUID) -> PartnerCaseOut:
    return partner_view(session, ctx, readable_case(session, partner, case_id))
