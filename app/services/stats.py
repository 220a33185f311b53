"""Case statistics for the queues a token sees: counts by TI, scheme and status, the median time to
acknowledgement, the overdue count. No personal data, by construction: only case columns that
describe the request are read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, SQLColumnExpression, Subquery, case, cast, func, select
from sqlalchemy.orm import Session

from app.cases.lifecycle import CaseStatus
from app.models import CaseFile, QueueSchemeTally, QueueStatusTally
from app.models.queue_status_tally import NO_TI
from app.services.cases.access import in_queues_of, readable_by
from app.services.cases.overdue import overdue_ranges
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
    """The figures in four statements: the counts by TI and status and the acknowledged ones from
    the queues' tallies and the schemes from theirs (a few rows, whatever the number of cases);
    the overdue count over the index ranges of the overdue cases (and the week's submitted ones);
    the median delay from its index (the acknowledged cases' delays, half of them on SQLite)."""
    by_ti: dict[str | None, int] = {}  # in the database's order of the TIs (where it puts "none")
    by_status: dict[str, int] = {}
    acknowledged = 0
    # NULL again for the cases outside every TI, so that the database puts them where it did
    # when the figures were read from the cases.
    ti = func.nullif(QueueStatusTally.ti_id, NO_TI)
    cases = func.sum(QueueStatusTally.cases)
    for ti_id, status, n, acknowledged_n in session.execute(
        select(ti, QueueStatusTally.status, cases, func.sum(QueueStatusTally.acknowledged))
        .where(in_queues_of(staff, QueueStatusTally.queue_id))
        .group_by(ti, QueueStatusTally.status)
        .having(cases > 0)
        .order_by(ti, QueueStatusTally.status)
    ):
        by_ti[ti_id] = by_ti.get(ti_id, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        acknowledged += acknowledged_n
    scheme_cases = func.sum(QueueSchemeTally.cases)
    by_scheme = session.execute(
        select(QueueSchemeTally.scheme_id, scheme_cases)
        .where(in_queues_of(staff, QueueSchemeTally.queue_id))
        .group_by(QueueSchemeTally.scheme_id)
        .having(scheme_cases > 0)
        .order_by(QueueSchemeTally.scheme_id)
    )
    readable = readable_by(staff)
    return named_figures(
        ctx,
        staff,
        by_ti,
        [(scheme_id, n) for scheme_id, n in by_scheme],
        by_status,
        acknowledged,
        _median_hours_to_acknowledgement(session, readable, acknowledged),
        _overdue(session, readable, now),
    )


def named_figures(
    ctx: MatchContext,
    staff: Staff,
    by_ti: dict[str | None, int],
    by_scheme: list[tuple[str, int]],
    by_status: dict[str, int],
    acknowledged: int,
    median_hours: float | None,
    overdue: int,
) -> CaseStats:
    """The counts with the names people read (TIs, schemes, statuses), in their order."""
    territories = ctx.territories.perimeters.territories
    schemes = ctx.catalogue.schemes
    return CaseStats(
        scope="toutes les files" if staff.is_admin else ", ".join(sorted(staff.queue_ids)),
        total=sum(by_status.values()),
        by_ti=[
            Count(ti or "", territories[ti].name if ti in territories else (ti or "Hors TI ou statut inconnu"), n)
            for ti, n in by_ti.items()
        ],
        by_scheme=[
            Count(scheme_id, schemes[scheme_id].definition.name if scheme_id in schemes else scheme_id, n)
            for scheme_id, n in by_scheme
        ],
        by_status=[Count(status, CaseStatus(status).label, by_status[status]) for status in sorted(by_status)],
        acknowledged=acknowledged,
        median_hours_to_acknowledgement=round(median_hours, 1) if median_hours is not None else None,
        overdue=overdue,
    )


def _overdue(session: Session, readable: ColumnElement[bool], now: datetime) -> int:
    """The overdue cases of the queues, counted over the index ranges that hold them."""
    counts = [select(func.count()).where(readable, part).scalar_subquery() for part in overdue_ranges(now)]
    return session.scalar(select(sum(counts[1:], counts[0]))) or 0


def hours_between(
    session: Session, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
) -> ColumnElement[Any]:
    """The hours from `start` to `end` (two stored instants), computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        # date_part, not extract: a double, where extract's numeric costs a median over thousands
        # of delays more than reading them.
        return func.date_part("epoch", end - start) / 3600
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


def _median_hours_to_acknowledgement(session: Session, readable: ColumnElement[bool], count: int) -> float | None:
    """The median of the `count` acknowledged cases' delays in hours, read from the delays stored
    with the cases (`ix_case_file_queue_acknowledgement`, in order). PostgreSQL: percentile_cont,
    by an index-only scan. SQLite: the one or two middle delays, reached by skipping the first half
    of the index (no sort), interpolated as percentile_cont does."""
    if count == 0:
        return None
    hours = CaseFile.hours_to_acknowledgement
    acknowledged = (readable, hours.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        median = session.scalar(select(func.percentile_cont(0.5).within_group(hours)).where(*acknowledged))
        return float(median) if median is not None else None
    position = 0.5 * (count - 1)
    low = int(position)
    middle = list(session.scalars(select(hours).where(*acknowledged).order_by(hours).offset(low).limit(2)))
    if not middle:
        return None
    first, last = middle[0], middle[-1]
    assert first is not None
    assert last is not None
    return float(first + (position - low) * (last - first))
