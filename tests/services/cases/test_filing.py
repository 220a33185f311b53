"""The rows of a filing as PostgreSQL stores them from its one statement: the same, byte for byte, as
from one INSERT per table (SQLite's way, and the way before); and what that statement refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Table, text

from app.services.cases import filing
from tests.case_desk import Desk

#: the columns that tell two filings of the same request apart (keys made anew for the copy)
FRESH = {"id", "case_id", "tracking_digest", "dedupe_key"}


def rekeyed(rows: dict[Table, list[dict[str, Any]]], case_id: uuid.UUID) -> dict[Table, list[dict[str, Any]]]:
    """The same rows for another case: new case id, tracking digest and message ids, every other value as filed."""
    copied: dict[Table, list[dict[str, Any]]] = {}
    for table, values in rows.items():
        copied[table] = []
        for row in values:
            row = dict(row)
            if table.name == "case_file":
                row |= {"id": case_id, "tracking_digest": uuid.uuid4().hex}
            else:
                row["case_id"] = case_id
            if table.name == "outbox_message":
                row |= {"id": uuid.uuid4(), "dedupe_key": f"{uuid.uuid4()}"}
            copied[table].append(row)
    return copied


def stored(connection: Connection, table: Table, case_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """Every column of the case's rows in `table` as the text PostgreSQL gives of it, but its keys."""
    columns = [c.name for c in table.columns if c.name not in FRESH]
    link = "id" if table.name == "case_file" else "case_id"
    rows = connection.execute(
        text(
            f"SELECT {', '.join(f'CAST({c} AS text)' for c in columns)} FROM {table.name} "
            f"WHERE {link} = :case ORDER BY {', '.join(f'CAST({c} AS text)' for c in columns)}"
        ),
        {"case": case_id},
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_one_statement_stores_what_one_insert_per_table_stores(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[dict[Table, list[dict[str, Any]]]] = []

    def kept(session: Any, rows: dict[Table, list[dict[str, Any]]]) -> None:
        written.append(rows)
        one_statement(session, rows)

    one_statement = filing._insert
    monkeypatch.setattr(filing, "_insert", kept)
    # Two schemes, accents, quotes, an emoji and a backslash: what JSON and text escape.
    message = 'Projet « été » : l\'atelier "B" 🙂 \\ fin.'
    filed = desk.filed(scheme_ids=["vte", "pret-croissance-industrie"], message=message, acknowledge_ineligible=True)
    (rows,) = written
    assert {t.name for t in rows} == {"case_file", "case_scheme", "case_event", "outbox_message"}
    copy = uuid.uuid4()
    with desk.database.engine.begin() as connection:
        for table, values in rekeyed(rows, copy).items():
            connection.execute(filing._INSERTS[table], values)
    with desk.database.engine.connect() as connection:
        for table in rows:
            once = stored(connection, table, uuid.UUID(filed["case_id"]))
            assert once, table.name
            assert once == stored(connection, table, copy), table.name
        assert (
            connection.execute(
                text("SELECT message FROM case_file WHERE id = :id"), {"id": filed["case_id"]}
            ).scalar_one()
            == message
        )


def test_a_row_without_a_column_that_has_a_python_default_is_refused() -> None:
    # The rows of a WITH clause get no default from SQLAlchemy: a row that relies on one is a fault.
    event_columns = ("case_id", "occurred_at", "kind", "actor_kind", "actor_label", "version")
    with pytest.raises(ValueError, match="case_event: the rows of a filing must give detail"):
        filing._one_statement(((filing._CASE_EVENT, event_columns),))


def test_an_instant_without_its_time_zone_is_refused_as_utc_datetime_refuses_it() -> None:
    assert filing._json_value(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)) == "2026-12-01T09:30:00+00:00"
    with pytest.raises(ValueError, match="naive datetime"):
        filing._json_value(datetime(2026, 12, 1, 9, 30))
    with pytest.raises(TypeError):
        filing._json_value(object())
