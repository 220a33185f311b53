"""Case statistics for the queues a token sees: counts by TI, scheme and status, the median time to
acknowledgement, the overdue count. No personal data, by construction: only case columns that
describe the request are read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, SQLColumnExpression, Subquery, case, cast, func, literal, select
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


def hours_between(
    session: Session, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
) -> ColumnElement[Any]:
    """The hours from `start` to `end` (two stored instants), computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600
    # SQLite keeps UTC instants as text: julianday() reads them, in days.
    return (func.julianday(end) - func.julianday(start)) * 24


def month_of(session: Session, instant: SQLColumnExpression[Any]) -> ColumnElement[str]:
    """ "2026-11": the month of a stored instant, in UTC on both databases (SQLite knows no time zone)."""
    if session.get_bind().dialect.name == "postgresql":
        month: ColumnElement[str] = func.to_char(func.timezone("UTC", instant), "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", instant)
    return month


def grouped_percentiles(
    session: Session, values: Subquery, keys: Sequence[str], value: str, fractions: Sequence[float]
) -> dict[tuple[Any, ...], list[float | None]]:
    """For each group of `values` (a subquery) by its columns `keys`: the percentiles of the column
    `value` (its NULLs left out), as PostgreSQL's percentile_cont computes them: the value at rank
    fraction × (n - 1), interpolated between the two nearest. One query per fraction, whatever
    the number of rows; groups without any value are absent."""
    group = [values.c[k] for k in keys]
    column = values.c[value]
    found: dict[tuple[Any, ...], list[float | None]] = {}
    for i, fraction in enumerate(fractions):
        query: Select[Any]
        if session.get_bind().dialect.name == "postgresql":
            query = (
                select(*group, func.percentile_cont(fraction).within_group(column))
                .where(column.is_not(None))
                .group_by(*group)
            )
        else:
            query = _percentile_by_rank(values, keys, value, fraction)
        for *key, result in session.execute(query):
            found.setdefault(tuple(key), [None] * len(fractions))[i] = float(result) if result is not None else None
    return found


def _percentile_by_rank(values: Subquery, keys: Sequence[str], value: str, fraction: float) -> Select[Any]:
    """percentile_cont for SQLite: each value's rank in its group (window functions), then the two
    values around rank fraction × (n - 1) and the interpolation between them."""
    group = [values.c[k] for k in keys]
    column = values.c[value]
    ranked = (
        select(
            *group,
            column.label("v"),
            (func.row_number().over(partition_by=group, order_by=column) - 1).label("rank"),
            func.count().over(partition_by=group).label("n"),
        )
        .where(column.is_not(None))
        .subquery()
    )
    position = fraction * (ranked.c.n - 1)
    low = cast(position, Integer)
    around = (
        select(
            *(ranked.c[k] for k in keys),
            (position - low).label("weight"),
            func.max(case((ranked.c.rank == low, ranked.c.v))).label("low"),
            func.max(case((ranked.c.rank == low + 1, ranked.c.v))).label("high"),
        )
        .group_by(*(ranked.c[k] for k in keys), ranked.c.n)
        .subquery()
    )
    return select(
        *(around.c[k] for k in keys),
        around.c.low + around.c.weight * (func.coalesce(around.c.high, around.c.low) - around.c.low),
    )


def _median_hours_to_acknowledgement(session: Session, cases: Subquery) -> tuple[int, float | None]:
    """How many cases were acknowledged, and the median of their delays in hours, computed by the
    database: the figures read one row, however many cases the queues hold."""
    hours = hours_between(session, cases.c.submitted_at, cases.c.acknowledged_at)
    delays = (
        select(literal(1).label("all"), hours.label("hours")).where(cases.c.acknowledged_at.is_not(None)).subquery()
    )
    count = session.scalar(select(func.count()).select_from(delays)) or 0
    if count == 0:
        return 0, None
    median = grouped_percentiles(session, delays, ["all"], "hours", [0.5])[(1,)][0]
    return count, median
