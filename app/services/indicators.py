"""The desk's indicators for the queues a person sees, per month of filing and per TI: requests
received, by scheme and by status, how they ended, how fast they were acknowledged, how many are
late, and what the catalogue offers the TI's companies today.

Every figure is computed by the database (GROUP BY month and TI; percentiles by
`app.services.stats.grouped_percentiles`): the page reads one row per month and TI, never the
cases. The working days a case waited before its acknowledgement depend on the holidays of the
company's département: they are counted once, when the case is acknowledged, and kept with that
event (`WORKING_DAYS_TO_ACKNOWLEDGEMENT`), so that SQL only compares them with 3 and 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from app.cases.lifecycle import CaseStatus
from app.clock import PARIS
from app.models import CaseEvent, CaseFile, CaseScheme
from app.services.cases.access import readable_cases
from app.services.cases.overdue import overdue_condition
from app.services.cases.transitions import WORKING_DAYS_TO_ACKNOWLEDGEMENT
from app.services.matching import MatchContext
from app.services.stats import grouped_percentiles, hours_between, month_of
from app.services.territory_offer import Offer, schemes_open_to
from app.services.tokens import Staff

#: the delays (in working days) within which the share of acknowledged requests is given
ACKNOWLEDGED_WITHIN = (3, 5)
#: an outcome counts when the case reached that status, even if closed since
OUTCOMES = (CaseStatus.ACCEPTED, CaseStatus.DECLINED, CaseStatus.WITHDRAWN)
NO_TI = "Hors TI ou statut inconnu"


@dataclass(frozen=True)
class MonthTi:
    """The figures of the requests filed in one month (UTC) for one TI (None: outside any TI)."""

    month: str
    ti_id: str | None
    ti_name: str
    received: int
    #: requests that reached each of `OUTCOMES`
    outcomes: dict[CaseStatus, int]
    acknowledged: int
    #: requests acknowledged within each of `ACKNOWLEDGED_WITHIN` working days
    within: dict[int, int]
    median_hours: float | None
    p90_hours: float | None
    overdue: int

    def share(self, count: int) -> float | None:
        """`count` out of the requests received."""
        return count / self.received if self.received else None


@dataclass(frozen=True)
class Breakdown:
    month: str
    ti_id: str | None
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class TerritoryOffer:
    ti_id: str
    ti_name: str
    offer: Offer


@dataclass(frozen=True)
class Indicators:
    rows: list[MonthTi]
    by_scheme: list[Breakdown]
    by_status: list[Breakdown]
    offers: list[TerritoryOffer]


def indicators(
    session: Session, ctx: MatchContext, staff: Staff, now: datetime, *, ti_id: str | None = None
) -> Indicators:
    """The figures of the cases `staff` reads (those of one TI when `ti_id` is given)."""
    territories = ctx.territories.perimeters.territories
    scope = readable_cases(staff)
    if ti_id is not None:
        scope = scope.where(CaseFile.ti_id == ti_id)
    waited = (
        select(CaseEvent.detail[WORKING_DAYS_TO_ACKNOWLEDGEMENT].as_integer())
        .where(
            CaseEvent.case_id == CaseFile.id,
            CaseEvent.kind == "transition",
            CaseEvent.from_status == CaseStatus.SUBMITTED,
        )
        .limit(1)
        .scalar_subquery()
    )
    cases = scope.with_only_columns(
        CaseFile.id,
        CaseFile.ti_id,
        CaseFile.status,
        month_of(session, CaseFile.submitted_at).label("month"),
        hours_between(session, CaseFile.submitted_at, CaseFile.acknowledged_at).label("hours"),
        waited.label("waited"),
        _flag(overdue_condition(now)).label("overdue"),
        *(
            _flag(exists().where(CaseEvent.case_id == CaseFile.id, CaseEvent.to_status == status)).label(status)
            for status in OUTCOMES
        ),
    ).subquery()
    keys = (cases.c.month, cases.c.ti_id)
    percentiles = grouped_percentiles(session, cases, ["month", "ti_id"], "hours", [0.5, 0.9])
    rows = []
    for month, ti, received, acknowledged, overdue, *counts in session.execute(
        select(
            *keys,
            func.count(),
            func.count(cases.c.hours),
            func.sum(cases.c.overdue),
            *(func.sum(cases.c[status]) for status in OUTCOMES),
            *(func.sum(_flag(cases.c.waited <= days)) for days in ACKNOWLEDGED_WITHIN),
        )
        .group_by(*keys)
        .order_by(cases.c.month.desc(), cases.c.ti_id)
    ):
        counted = [int(n or 0) for n in counts]
        median, p90 = percentiles.get((month, ti), [None, None])
        rows.append(
            MonthTi(
                month=month,
                ti_id=ti,
                ti_name=territories[ti].name if ti in territories else (ti or NO_TI),
                received=received,
                outcomes=dict(zip(OUTCOMES, counted[: len(OUTCOMES)], strict=True)),
                acknowledged=acknowledged,
                within=dict(zip(ACKNOWLEDGED_WITHIN, counted[len(OUTCOMES) :], strict=True)),
                median_hours=median,
                p90_hours=p90,
                overdue=int(overdue or 0),
            )
        )
    schemes = ctx.catalogue.schemes
    by_scheme = [
        Breakdown(month, ti, scheme_id, schemes[scheme_id].definition.name if scheme_id in schemes else scheme_id, n)
        for month, ti, scheme_id, n in session.execute(
            select(*keys, CaseScheme.scheme_id, func.count())
            .join(cases, cases.c.id == CaseScheme.case_id)
            .group_by(*keys, CaseScheme.scheme_id)
            .order_by(cases.c.month.desc(), cases.c.ti_id, CaseScheme.scheme_id)
        )
    ]
    by_status = [
        Breakdown(month, ti, status, CaseStatus(status).label, n)
        for month, ti, status, n in session.execute(
            select(*keys, cases.c.status, func.count())
            .group_by(*keys, cases.c.status)
            .order_by(cases.c.month.desc(), cases.c.ti_id, cases.c.status)
        )
    ]
    today = now.astimezone(PARIS).date()
    shown = sorted({r.ti_id for r in rows if r.ti_id in territories} | _own_territories(staff, territories, ti_id))
    offers = [
        TerritoryOffer(
            t, territories[t].name, schemes_open_to(ctx.catalogue, ctx.territories.geography, territories[t], today)
        )
        for t in shown
    ]
    return Indicators(rows, by_scheme, by_status, offers)


def _own_territories(staff: Staff, territories: dict[str, Any], ti_id: str | None) -> set[str]:
    """The TIs of the person's scope (or the one asked for), even without any request yet."""
    if ti_id is not None:
        return {ti_id} if ti_id in territories else set()
    return {t for t in staff.ti_ids if t in territories}


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)
