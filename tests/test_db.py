"""app.db: the statements of a session committed alone on PostgreSQL, and only there."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.db import session_factory, statements_committed_alone, transaction
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
