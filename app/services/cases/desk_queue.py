"""The desk's queue page: one tab of the person's cases, the count of every tab, and for the page's
cases what the API's list does not give (company, working days waiting, an earlier request)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.calendar import calendar_of_commune, working_days_between
from app.cases.lifecycle import DESK_TABS, OPEN_STATUSES, DeskTab
from app.clock import PARIS
from app.models import CaseFile
from app.schemas.case import CaseSummary
from app.services.cases.access import readable_cases
from app.services.cases.queries import CaseFilters, company_name, company_siret, filtered_cases, list_cases
from app.services.matching import MatchContext
from app.services.tokens import Staff

#: a request from the same SIRET or e-mail address within this time before is flagged
REPEAT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Earlier:
    """A request filed before by the same company (SIRET) or the same e-mail address."""

    case_id: uuid.UUID
    submitted_at: datetime
    same: str  # « SIRET » | « adresse e-mail »


@dataclass(frozen=True)
class QueueRow:
    case: CaseSummary
    company: str | None
    siret: str | None
    #: working days after the day of filing, in the company's calendar; None once the case is no longer open
    working_days: int | None
    earlier: Earlier | None


@dataclass(frozen=True)
class TabCount:
    tab: DeskTab
    count: int


@dataclass(frozen=True)
class QueuePage:
    tab: DeskTab
    tabs: list[TabCount]
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def tab_of(slug: str | None) -> DeskTab:
    return next((t for t in DESK_TABS if t.slug == slug), DESK_TABS[0])


def queue_page(
    session: Session, ctx: MatchContext, staff: Staff, tab: DeskTab, filters: CaseFilters, now: datetime
) -> QueuePage:
    """The cases of `tab` passing `filters`, oldest first; each tab's count under the same filters."""
    by_status = dict(
        session.execute(
            filtered_cases(staff, filters, now, by_status=False)
            .with_only_columns(CaseFile.status, func.count())
            .group_by(CaseFile.status)
        ).all()
    )
    tabs = [TabCount(t, sum(by_status.get(s, 0) for s in t.statuses)) for t in DESK_TABS]
    listed = list_cases(session, ctx, staff, replace(filters, statuses=tab.statuses), now)
    ids = [c.id for c in listed.items]
    companies = {
        case_id: (name, siret)
        for case_id, name, siret in session.execute(
            select(CaseFile.id, company_name(), company_siret()).where(CaseFile.id.in_(ids))
        )
    }
    earlier = _earlier_requests(session, staff, ids)
    today = now.astimezone(PARIS).date()
    rows = [
        QueueRow(
            case=c,
            company=companies[c.id][0],
            siret=companies[c.id][1],
            working_days=working_days_between(
                c.submitted_at.astimezone(PARIS).date(), today, calendar_of_commune(c.commune["code"])
            )
            if c.status in OPEN_STATUSES
            else None,
            earlier=earlier.get(c.id),
        )
        for c in listed.items
    ]
    pages = max(1, math.ceil(listed.total / filters.per_page))
    return QueuePage(tab, tabs, rows, listed.total, listed.page, pages)


def _earlier_requests(session: Session, staff: Staff, ids: list[uuid.UUID]) -> dict[uuid.UUID, Earlier]:
    """For each of these cases, the latest request the person can read that came before it, within
    `REPEAT_WINDOW`, from the same SIRET or the same e-mail address: one query for the page."""
    if not ids:
        return {}
    later = (
        select(
            CaseFile.id,
            CaseFile.submitted_at,
            func.lower(CaseFile.contact_email).label("email"),
            company_siret().label("siret"),
        )
        .where(CaseFile.id.in_(ids))
        .subquery()
    )
    before = (
        readable_cases(staff)
        .with_only_columns(
            CaseFile.id,
            CaseFile.submitted_at,
            func.lower(CaseFile.contact_email).label("email"),
            company_siret().label("siret"),
        )
        .subquery()
    )
    # The window's lower end is the database's comparison for the whole page; each pair is then
    # held to its own 90 days (date arithmetic differs between SQLite and PostgreSQL).
    oldest = session.scalar(select(func.min(later.c.submitted_at)))
    assert oldest is not None
    same_siret = (before.c.siret == later.c.siret) & later.c.siret.is_not(None)
    pairs = session.execute(
        select(later.c.id, later.c.submitted_at, before.c.id, before.c.submitted_at, same_siret)
        .join(before, (before.c.email == later.c.email) | same_siret)
        .where(
            before.c.id != later.c.id,
            before.c.submitted_at < later.c.submitted_at,
            before.c.submitted_at >= oldest - REPEAT_WINDOW,
        )
        .order_by(before.c.submitted_at)
    )
    found: dict[uuid.UUID, Earlier] = {}
    for case_id, submitted_at, earlier_id, earlier_at, by_siret in pairs:
        if earlier_at >= submitted_at - REPEAT_WINDOW:
            found[case_id] = Earlier(earlier_id, earlier_at, "SIRET" if by_siret else "adresse e-mail")
    return found
