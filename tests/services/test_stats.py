"""The statistics of the queues: the tallies the database keeps against a recount of the cases,
the figures against those computed from every case (the way they were before the tallies), and
percentiles by group computed by the database (PostgreSQL's percentile_cont, the same
interpolation between ranks on SQLite)."""

from __future__ import annotations

import statistics
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Float, case, delete, func, insert, literal, select, text, union_all, update
from sqlalchemy.orm import Session

from app.db import create_db_engine, session_factory, transaction
from app.models import CaseFile, CaseScheme, QueueSchemeTally, QueueStatusTally
from app.services.cases.access import readable_by
from app.services.cases.overdue import overdue_condition
from app.services.matching import MatchContext
from app.services.retention import purge_closed_cases
from app.services.stats import CaseStats, case_stats, grouped_percentiles, hours_between, named_figures
from app.services.tokens import Staff
from tests.case_desk import GERS_QUEUE, JURA_QUEUE, LYON, LYON_QUEUE, SAINT_CLAUDE, Desk, bearer
from tests.databases import Database

METZ = "57463"  # Moselle: Good Friday is a holiday there, not elsewhere


def test_grouped_percentiles_interpolate_between_ranks_like_percentile_cont(database: Database) -> None:
    data = [("a", 1.0), ("a", 2.0), ("a", 3.0), ("a", 4.0), ("a", 10.0), ("b", 7.0), ("c", None)]
    values = union_all(*(select(literal(g).label("g"), literal(v, Float).label("v")) for g, v in data)).subquery()
    with transaction(session_factory(database.engine), writing=False) as session:
        found = grouped_percentiles(session, values, ["g"], "v", [0.5, 0.9])
    # a: median the 3rd value; p90 at rank 0.9 × 4 = 3.6: 4 + 0.6 × (10 - 4). A single value is every percentile.
    assert found[("a",)] == [pytest.approx(3.0), pytest.approx(7.6)]
    assert found[("b",)] == [pytest.approx(7.0), pytest.approx(7.0)]
    assert ("c",) not in found


# -- the queues' tallies, kept by the database --------------------------------------------------------

GERS_LEAD = Staff(uuid.uuid4(), "project_lead", "Chargée de mission", frozenset({"gers-tarn-et-garonne"}), frozenset())
ADMIN = Staff(uuid.uuid4(), "admin", "Administration", frozenset(), frozenset())


def tallies(session: Session) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The tallies' figures, their shards summed; a key emptied by the changes counts nothing."""
    statuses = session.execute(
        select(
            QueueStatusTally.queue_id,
            QueueStatusTally.ti_id,
            QueueStatusTally.status,
            func.sum(QueueStatusTally.cases),
            func.sum(QueueStatusTally.acknowledged),
        ).group_by(QueueStatusTally.queue_id, QueueStatusTally.ti_id, QueueStatusTally.status)
    ).all()
    schemes = session.execute(
        select(QueueSchemeTally.queue_id, QueueSchemeTally.scheme_id, func.sum(QueueSchemeTally.cases)).group_by(
            QueueSchemeTally.queue_id, QueueSchemeTally.scheme_id
        )
    ).all()
    assert all(cases >= 0 and 0 <= acknowledged <= cases for *_, cases, acknowledged in statuses)
    assert all(cases >= 0 for *_, cases in schemes)
    return {tuple(row) for row in statuses if row[3]}, {tuple(row) for row in schemes if row[2]}


def recount(session: Session) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The same figures counted from every case, as the statistics did before the tallies."""
    ti = func.coalesce(CaseFile.ti_id, "")
    statuses = session.execute(
        select(CaseFile.queue_id, ti, CaseFile.status, func.count(), func.count(CaseFile.acknowledged_at)).group_by(
            CaseFile.queue_id, ti, CaseFile.status
        )
    )
    schemes = session.execute(
        select(CaseFile.queue_id, CaseScheme.scheme_id, func.count())
        .join(CaseScheme, CaseScheme.case_id == CaseFile.id)
        .group_by(CaseFile.queue_id, CaseScheme.scheme_id)
    )
    return {tuple(row) for row in statuses}, {tuple(row) for row in schemes}


def move(desk: Desk, case_id: str, *steps: str, headers: dict[str, str], **extra: str) -> None:
    version = desk.client.get(f"/v1/cases/{case_id}", headers=headers).json()["version"]
    for to in steps:
        moved = desk.client.post(
            f"/v1/cases/{case_id}/transitions", json={"to": to, "version": version, **extra}, headers=headers
        )
        assert moved.status_code == 200, moved.text
        version += 1


def raw_copies(desk: Desk, case_id: str, count: int, **changes: Any) -> list[uuid.UUID]:
    """`count` copies of a case and its schemes written by plain INSERTs, as bench/cases seeds them."""
    stored = [c for c in CaseFile.__table__.columns if c.computed is None]
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        row = session.execute(select(*stored).where(CaseFile.id == uuid.UUID(case_id))).one()._asdict()
        scheme = session.execute(
            select(*(c for c in CaseScheme.__table__.columns if c.key != "id")).where(
                CaseScheme.case_id == uuid.UUID(case_id)
            )
        ).first()
        assert scheme is not None
        ids = [uuid.uuid4() for _ in range(count)]
        cases = [row | {"id": i, "tracking_digest": i.hex, **changes} for i in ids]
        session.execute(insert(CaseFile), cases)
        session.execute(insert(CaseScheme), [scheme._asdict() | {"case_id": i} for i in ids])
    return ids


def a_realistic_desk(desk: Desk) -> None:
    """Filings in three queues (one outside every TI), each kind of change, a move between queues,
    raw copies and deletions, and the retention purge."""
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    jura = bearer(desk.token(ti=("haut-jura",))[0])
    filed = [desk.filed(scheme_ids=ids) for ids in (["vte"], ["vte", "geiq-industrie"], ["geiq-industrie", "vte"], [])]
    jura_case = desk.filed(SAINT_CLAUDE)["case_id"]
    desk.filed(LYON)
    desk.clock.advance(hours=3)
    move(desk, filed[0]["case_id"], "acknowledged", "in_review", "referred", "accepted", "closed", headers=gers)
    move(desk, filed[1]["case_id"], "acknowledged", headers=gers)
    move(desk, filed[2]["case_id"], "declined", headers=gers, decline_reason="doublon")
    move(desk, jura_case, "acknowledged", "in_review", headers=jura)
    withdrawn = desk.client.post(
        f"/v1/cases/{filed[3]['case_id']}/withdraw",
        json={"reason": "Projet reporté"},
        headers=bearer(filed[3]["tracking_token"]),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    version = desk.client.get(f"/v1/cases/{filed[1]['case_id']}", headers=gers).json()["version"]
    moved = desk.client.post(
        f"/v1/cases/{filed[1]['case_id']}/reroute",
        json={"queue_id": "region:76", "reason": "Projet régional", "version": version},
        headers=gers,
    )
    assert moved.status_code == 200, moved.text
    copies = raw_copies(desk, filed[1]["case_id"], 3, queue_id=GERS_QUEUE, status="in_review")
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        session.execute(delete(CaseScheme).where(CaseScheme.case_id == copies[0]))
        session.execute(delete(CaseFile).where(CaseFile.id == copies[0]))
        session.execute(update(CaseFile).where(CaseFile.id == copies[1]).values(queue_id=JURA_QUEUE, ti_id=None))
        assert purge_closed_cases(session, desk.clock.now + timedelta(days=37 * 31))


def test_the_tallies_equal_a_recount_of_the_cases_after_every_kind_of_change(desk: Desk) -> None:
    a_realistic_desk(desk)
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        statuses, schemes = tallies(session)
        assert (statuses, schemes) == recount(session)
    # What the changes did, to show that the comparison compared something.
    assert ("region:76", "gers-tarn-et-garonne", "acknowledged", 1, 1) in statuses
    assert (JURA_QUEUE, "", "in_review", 1, 1) in statuses
    assert (LYON_QUEUE, "", "submitted", 1, 0) in statuses
    assert (GERS_QUEUE, "gers-tarn-et-garonne", "in_review", 1, 1) in statuses
    assert ("region:76", "geiq-industrie", 1) in schemes
    assert (GERS_QUEUE, "vte", 3) in schemes  # filed 0 and 2, and the copy neither deleted nor moved


def test_the_tallies_count_a_case_moved_to_another_queue_there_only(desk: Desk) -> None:
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    case_id = desk.filed()["case_id"]
    moved = desk.client.post(
        f"/v1/cases/{case_id}/reroute", json={"queue_id": "region:76", "reason": "Régional", "version": 1}, headers=gers
    )
    assert moved.status_code == 200, moved.text
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        statuses, schemes = tallies(session)
    assert statuses == {("region:76", "gers-tarn-et-garonne", "submitted", 1, 0)}
    assert schemes == {("region:76", "vte", 1)}


# -- the statistics against the figures computed from every case ---------------------------------------


def figures_from_every_case(session: Session, ctx: MatchContext, staff: Staff, now: datetime) -> CaseStats:
    """The statistics as they were computed before the tallies: every case of the queues read."""
    readable = readable_by(staff)
    by_ti: dict[str | None, int] = {}
    by_status: dict[str, int] = {}
    acknowledged = overdue = 0
    for ti, status, n, acknowledged_n, overdue_n in session.execute(
        select(
            CaseFile.ti_id,
            CaseFile.status,
            func.count(),
            func.count(CaseFile.acknowledged_at),
            func.count(case((overdue_condition(now), 1))),
        )
        .where(readable)
        .group_by(CaseFile.ti_id, CaseFile.status)
        .order_by(CaseFile.ti_id, CaseFile.status)
    ):
        by_ti[ti] = by_ti.get(ti, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        acknowledged += acknowledged_n
        overdue += overdue_n
    by_scheme = session.execute(
        select(CaseScheme.scheme_id, func.count())
        .join(CaseFile, CaseScheme.case_id == CaseFile.id)
        .where(readable)
        .group_by(CaseScheme.scheme_id)
        .order_by(CaseScheme.scheme_id)
    )
    delays = session.scalars(
        select(hours_between(session, CaseFile.submitted_at, CaseFile.acknowledged_at)).where(
            readable, CaseFile.acknowledged_at.is_not(None)
        )
    ).all()
    median = statistics.median(delays) if delays else None
    schemes = [(scheme_id, n) for scheme_id, n in by_scheme]
    return named_figures(ctx, staff, by_ti, schemes, by_status, acknowledged, median, overdue)


def test_the_statistics_equal_the_figures_computed_from_every_case(desk: Desk) -> None:
    a_realistic_desk(desk)
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    for _ in range(4):
        desk.clock.advance(hours=5)
        move(desk, desk.filed()["case_id"], "acknowledged", headers=gers)
    desk.filed()
    desk.clock.advance(days=20)  # the ones still submitted are late, the others quiet for too long
    desk.filed()
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        for staff in (ADMIN, GERS_LEAD):
            stats = case_stats(session, desk.context, staff, desk.clock.now)
            assert stats == figures_from_every_case(session, desk.context, staff, desk.clock.now)
            assert stats.overdue > 0
            assert stats.median_hours_to_acknowledgement is not None
            assert len(stats.by_ti) > 1 or not staff.is_admin


def test_the_overdue_count_follows_each_calendar_s_holidays_as_the_queue_does(desk: Desk) -> None:
    desk.clock.advance(days=112)  # Monday 22 March 2027: Good Friday is the 26th
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    for _ in range(0, 10 * 24, 11):
        desk.filed()
        desk.filed(METZ)
        desk.clock.advance(hours=11)
    listed = desk.client.get("/v1/cases", params={"overdue": "true"}, headers=gers).json()
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        everywhere = case_stats(session, desk.context, ADMIN, desk.clock.now)
        assert everywhere.overdue == figures_from_every_case(session, desk.context, ADMIN, desk.clock.now).overdue
        in_gers = case_stats(session, desk.context, GERS_LEAD, desk.clock.now)
    assert in_gers.overdue == listed["total"] > 0
    assert 0 < everywhere.overdue - in_gers.overdue < in_gers.overdue  # in Metz, Good Friday does not count


# -- concurrent writers on PostgreSQL ---------------------------------------------------------------------


def a_case_row(queue_id: str, ti_id: str | None, now: datetime) -> dict[str, Any]:
    case_id = uuid.uuid4()
    return {
        "id": case_id,
        "status": "submitted",
        "version": 1,
        "queue_id": queue_id,
        "commune_code": "32160",
        "region_code": "76",
        "ti_id": ti_id,
        "routing": {"queue_id": queue_id},
        "profile": {},
        "verdicts": {},
        "catalogue_version": "abcdef012345",
        "as_of": now.date(),
        "flagged_ineligible": False,
        "message": "Essai",
        "contact_name": "Essai",
        "contact_email": "essai@example.fr",
        "consent_at": now,
        "tracking_digest": case_id.hex,
        "submitted_at": now,
        "last_event_at": now,
    }


def test_concurrent_filings_into_one_queue_with_schemes_in_any_order_count_every_case(postgres_url: str) -> None:
    """Filings of several TIs into one queue, each asking for two or three schemes in either order,
    from 12 connections at once (more than the 8 shards: some share one): writers of a shard take
    the queue's lock first, so none waits for another in a cycle (PostgreSQL would abort one as a
    deadlock), and no count is lost."""
    engine = create_db_engine(postgres_url)
    start = threading.Barrier(12)
    failures: list[BaseException] = []
    now = datetime.now(UTC)

    def filer(n: int) -> None:
        start.wait()
        try:
            for i in range(20):
                row = a_case_row("region:76", ("gers", "aveyron", None)[(n + i) % 3], now)
                schemes = ["vte", "geiq-industrie", "pret-croissance-industrie"][: 2 + i % 2]
                with engine.begin() as connection:
                    connection.execute(insert(CaseFile), row)
                    connection.execute(
                        insert(CaseScheme),
                        [
                            {
                                "case_id": row["id"],
                                "scheme_id": scheme,
                                "position": p,
                                "verdict": "eligible",
                                "acknowledged_ineligible": False,
                                "result": {},
                            }
                            for p, scheme in enumerate(schemes if n % 2 else reversed(schemes))
                        ],
                    )
        except BaseException as exc:  # said by the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=filer, args=(n,)) for n in range(12)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with transaction(session_factory(engine), writing=False) as session:
            statuses, schemes = tallies(session)
            assert (statuses, schemes) == recount(session)
        assert sum(row[3] for row in statuses) == 240
        assert ("region:76", "vte", 240) in schemes
    finally:
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE queue_status_tally, queue_scheme_tally, case_scheme, case_file CASCADE"))
        engine.dispose()
