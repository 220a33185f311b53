"""app.db: the statements of a session committed alone on PostgreSQL, and only there; the pool's size."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.db import create_db_engine, session_factory, statements_committed_alone, transaction
from tests.databases import Database


class Failed(Exception):
    pass


def test_a_statement_committed_alone_stays_when_the_transaction_then_fails(database: Database) -> None:
    sessions = session_factory(database.engine)

    def write_then_fail() -> None:
        with transaction(sessions, writing=True) as session:
            statements_committed_alone(session)
            session.execute(
                text(
                    "INSERT INTO queue_status_tally (queue_id, ti_id, status, shard, cases, acknowledged) "
                    "VALUES ('ti:du-test', '', 'submitted', 0, 1, 0)"
                )
            )
            raise Failed

    with pytest.raises(Failed):
        write_then_fail()
    with database.engine.connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM queue_status_tally")).scalar_one()
    # PostgreSQL: the INSERT was its own transaction. SQLite: left in the request's transaction,
    # which the failure rolled back.
    assert kept == (1 if database.backend == "postgresql" else 0)


def test_a_pool_keeps_ten_connections_returned_together_and_opens_five_more_under_load(database: Database) -> None:
    engine = create_db_engine(database.url, pool_timeout=0.5)
    try:
        held = [engine.connect() for _ in range(15)]
        for connection in held:
            connection.close()
        # The overflow is closed when returned; the pool's own are kept for the next requests.
        assert engine.pool.checkedin() == 10  # type: ignore[attr-defined]
        held = [engine.connect() for _ in range(15)]
        with pytest.raises(PoolTimeout):
            engine.connect()
        for connection in held:
            connection.close()
    finally:
        engine.dispose()
