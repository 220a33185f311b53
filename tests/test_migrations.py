"""Schema migrations on fresh, empty databases (SQLite file and a new PostgreSQL database): the
migration reaches head, undoes itself completely, matches the models, and builds the constraints
that the models rely on (append-only events, status check, foreign keys)."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import tests.databases
from app.cli import cli
from app.db import create_db_engine
from app.migrate import (
    MIGRATIONS_DIR,
    DatabaseNotReady,
    alembic_config,
    current_revisions,
    downgrade,
    head_revisions,
    prepare_database,
    upgrade,
)
from app.models import Base, CaseEvent, CaseFile, CaseScheme
from app.settings import get_settings

MODEL_TABLES = set(Base.metadata.tables)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture(params=tests.databases.BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database that has never been migrated."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
        yield engine
        engine.dispose()
        return
    admin = create_db_engine(tests.databases.POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"guichet_mig_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL injoignable à {tests.databases.POSTGRES_URL} ({type(exc).__name__})")
    url = make_url(tests.databases.POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def head(engine: Engine) -> str:
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert len(heads) == 1, f"one line of migrations expected, heads: {heads}"
    return heads[0]


def versions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def triggers(engine: Engine) -> set[str]:
    """The triggers (and, on PostgreSQL, their functions) present in the database."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        trigger_names = connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        functions = connection.execute(
            text("SELECT proname FROM pg_proc WHERE proname LIKE 'case_event%' OR proname LIKE 'queue_tally%'")
        )
        return set(trigger_names.scalars()) | set(functions.scalars())


def a_case(status: str = "submitted") -> CaseFile:
    return CaseFile(
        id=uuid.uuid4(),
        status=status,
        queue_id="region:84",
        commune_code="69123",
        region_code="84",
        ti_id=None,
        routing={"queue_id": "region:84", "rule": "statut-ti-inconnu"},
        profile={"commune": "69123"},
        verdicts={},
        catalogue_version="abcdef012345",
        as_of=date(2026, 11, 26),
        flagged_ineligible=False,
        message="Nous cherchons un accompagnement pour recruter.",
        contact_name="Responsable RH",
        contact_email="rh@example.fr",
        contact_phone=None,
        consent_at=NOW,
        tracking_digest=uuid.uuid4().hex,
        submitted_at=NOW,
        last_event_at=NOW,
    )


def an_event(case_id: uuid.UUID) -> CaseEvent:
    return CaseEvent(
        case_id=case_id,
        occurred_at=NOW,
        kind="filed",
        actor_kind="applicant",
        actor_label="Demandeur",
        from_status=None,
        to_status="submitted",
        detail={},
        note=None,
        version=1,
    )


def filed_event(engine: Engine) -> int:
    """A case and its first event, committed; the event's id."""
    with Session(engine) as session:
        case = a_case()
        session.add(case)
        session.flush()
        event = an_event(case.id)
        session.add(event)
        session.commit()
        return event.id


# -- upgrade, downgrade ----------------------------------------------------------------------------


def test_upgrade_from_empty_reaches_head_with_every_model_table(empty: Engine) -> None:
    assert tables(empty) == set()
    upgrade(empty)
    assert versions(empty) == [head(empty)]
    assert tables(empty) == MODEL_TABLES | {"alembic_version"}


def test_upgrading_twice_changes_nothing(empty: Engine) -> None:
    upgrade(empty)
    upgrade(empty)
    assert versions(empty) == [head(empty)]


def test_downgrade_to_base_leaves_no_table_nor_trigger(empty: Engine) -> None:
    upgrade(empty)
    assert triggers(empty)
    downgrade(empty, "base")
    assert tables(empty) & MODEL_TABLES == set()
    assert tables(empty) <= {"alembic_version"}
    assert triggers(empty) == set()
    assert versions(empty) == []


def test_upgrade_downgrade_upgrade_round_trip_restores_the_schema_and_its_triggers(empty: Engine) -> None:
    upgrade(empty)
    first = triggers(empty)
    downgrade(empty, "base")
    upgrade(empty)
    assert versions(empty) == [head(empty)]
    assert tables(empty) == MODEL_TABLES | {"alembic_version"}
    assert triggers(empty) == first
    event_id = filed_event(empty)
    with pytest.raises(DBAPIError, match="ajout seul"), empty.begin() as connection:
        connection.execute(text("DELETE FROM case_event WHERE id = :id"), {"id": event_id})


def test_the_migrated_schema_has_no_drift_from_the_models(empty: Engine) -> None:
    upgrade(empty)
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


# -- the queues' tallies ---------------------------------------------------------------------------

BEFORE_TALLIES = "f3d5e7a9b014"


def test_the_tallies_migration_counts_the_cases_already_filed_and_its_downgrade_removes_it(empty: Engine) -> None:
    upgrade(empty)
    downgrade(empty, BEFORE_TALLIES)
    filed = [
        ("submitted", None, None),
        ("acknowledged", "gers", 30),
        ("acknowledged", "gers", 90),
        ("declined", "gers", 6),
    ]
    with Session(empty) as session:
        for status, ti, minutes in filed:
            case = a_case(status)
            case.ti_id = ti
            case.acknowledged_at = None if minutes is None else NOW + timedelta(minutes=minutes)
            written_at_any_revision(session, case)
            for position, scheme in enumerate(["vte", "geiq-industrie"][: 1 + (ti is not None)]):
                session.execute(
                    insert(CaseScheme).values(
                        case_id=case.id,
                        scheme_id=scheme,
                        position=position,
                        verdict="eligible",
                        acknowledged_ineligible=False,
                        result={},
                    )
                )
        session.commit()

    upgrade(empty)
    with empty.connect() as connection:
        statuses = set(connection.execute(text("SELECT * FROM queue_status_tally")).all())
        schemes = set(connection.execute(text("SELECT * FROM queue_scheme_tally")).all())
        hours = connection.execute(text("SELECT hours_to_acknowledgement FROM case_file")).scalars().all()
    assert statuses == {  # (queue, TI, status, shard, cases, acknowledged): the first shard
        ("region:84", "", "submitted", 0, 1, 0),
        ("region:84", "gers", "acknowledged", 0, 2, 2),
        ("region:84", "gers", "declined", 0, 1, 1),
    }
    assert schemes == {("region:84", "vte", 0, 4), ("region:84", "geiq-industrie", 0, 3)}
    assert sorted(hours, key=lambda h: (h is not None, h)) == [None, *map(pytest.approx, (0.1, 0.5, 1.5))]

    downgrade(empty, BEFORE_TALLIES)
    assert tables(empty) & {"queue_status_tally", "queue_scheme_tally"} == set()
    assert not {t for t in triggers(empty) if t.startswith("queue_tally")}
    assert "hours_to_acknowledgement" not in {c["name"] for c in inspect(empty).get_columns("case_file")}
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_scheme")).scalar_one() == 7


# -- constraints the database enforces --------------------------------------------------------------


def test_the_database_refuses_to_update_a_case_event(empty: Engine) -> None:
    upgrade(empty)
    event_id = filed_event(empty)
    with pytest.raises(DBAPIError, match="ajout seul"), empty.begin() as connection:
        connection.execute(text("UPDATE case_event SET note = 'réécrit' WHERE id = :id"), {"id": event_id})
    with empty.connect() as connection:
        note = connection.execute(text("SELECT note FROM case_event WHERE id = :id"), {"id": event_id}).scalar_one()
    assert note is None


def test_the_database_refuses_to_delete_a_case_event(empty: Engine) -> None:
    upgrade(empty)
    event_id = filed_event(empty)
    with pytest.raises(DBAPIError, match="ajout seul"), empty.begin() as connection:
        connection.execute(text("DELETE FROM case_event WHERE id = :id"), {"id": event_id})
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_event")).scalar_one() == 1


def test_the_orm_cannot_delete_a_case_event_either(empty: Engine) -> None:
    upgrade(empty)
    event_id = filed_event(empty)
    with Session(empty) as session:
        event = session.get(CaseEvent, event_id)
        assert event is not None
        session.delete(event)
        with pytest.raises(DBAPIError, match="ajout seul"):
            session.commit()


def test_new_events_can_still_be_appended(empty: Engine) -> None:
    upgrade(empty)
    event_id = filed_event(empty)
    with Session(empty) as session:
        case_id = session.get_one(CaseEvent, event_id).case_id
        session.add(an_event(case_id))
        session.commit()
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_event")).scalar_one() == 2


def written_at_any_revision(session: Session, case: CaseFile) -> None:
    """The case's row written without the columns that later revisions add, which an earlier
    schema lacks (the ORM would ask for them back)."""
    stored = [c for c in CaseFile.__table__.columns if c.computed is None]
    session.execute(insert(CaseFile).values({c.key: getattr(case, c.key) for c in stored} | {"version": 1}))


def noted_event(engine: Engine) -> int:
    with Session(engine) as session:
        case = a_case()
        written_at_any_revision(session, case)
        event = an_event(case.id)
        event.note = "Mme Exemple a trouvé une autre solution"
        session.add(event)
        session.commit()
        return event.id


def test_an_event_s_note_can_be_erased_and_nothing_else_of_it_changed(empty: Engine) -> None:
    upgrade(empty)
    event_id = noted_event(empty)
    with empty.begin() as connection:
        connection.execute(text("UPDATE case_event SET note = NULL WHERE id = :id"), {"id": event_id})
    for change in (
        "note = NULL, kind = 'transition'",
        "note = NULL, version = 7",
        "note = NULL, detail = '{\"x\": 1}'",
    ):
        with pytest.raises(DBAPIError, match="ajout seul"), empty.begin() as connection:
            connection.execute(text(f"UPDATE case_event SET {change} WHERE id = :id"), {"id": event_id})
    with empty.connect() as connection:
        row = connection.execute(text("SELECT note, kind, version FROM case_event WHERE id = :id"), {"id": event_id})
        assert tuple(row.one()) == (None, "filed", 1)


def test_before_the_partner_migration_an_event_s_note_cannot_be_erased(empty: Engine) -> None:
    upgrade(empty)
    downgrade(empty, "c0a5e5f1e001")
    event_id = noted_event(empty)
    with pytest.raises(DBAPIError, match="ajout seul"), empty.begin() as connection:
        connection.execute(text("UPDATE case_event SET note = NULL WHERE id = :id"), {"id": event_id})


def test_the_status_check_refuses_an_unknown_status(empty: Engine) -> None:
    upgrade(empty)
    with Session(empty) as session:
        session.add(a_case(status="perdu"))
        with pytest.raises(IntegrityError, match="ck_case_file_status"):
            session.commit()


def test_the_status_check_of_the_model_built_from_the_statuses_is_the_migration_s_sql() -> None:
    path = next((MIGRATIONS_DIR / "versions").glob("*_c0a5e5f1e001_*.py"))
    spec = importlib.util.spec_from_file_location("first_migration", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    (check,) = [c for c in Base.metadata.tables["case_file"].constraints if isinstance(c, CheckConstraint)]
    assert str(check.sqltext) == f"status IN ({migration.STATUSES})"


def test_every_known_status_passes_the_check(empty: Engine) -> None:
    upgrade(empty)
    statuses = ["submitted", "acknowledged", "in_review", "referred", "accepted", "declined", "withdrawn", "closed"]
    with Session(empty) as session:
        session.add_all([a_case(status) for status in statuses])
        session.commit()
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM case_file")).scalar_one() == len(statuses)


def test_foreign_keys_are_enforced_an_event_of_no_case_is_refused(empty: Engine) -> None:
    upgrade(empty)
    with Session(empty) as session:
        session.add(an_event(uuid.uuid4()))
        with pytest.raises(IntegrityError):
            session.commit()


# -- start-up ------------------------------------------------------------------------------------


def test_prepare_database_migrates_sqlite_and_demands_an_upgrade_elsewhere(empty: Engine) -> None:
    if empty.dialect.name == "sqlite":
        prepare_database(empty)
        assert versions(empty) == [head(empty)]
        return
    with pytest.raises(DatabaseNotReady) as caught:
        prepare_database(empty)
    message = str(caught.value)
    assert "« guichet db upgrade »" in message
    assert "version vide" in message
    assert f"attendue {head(empty)}" in message
    assert tables(empty) == set()  # nothing was created behind the operator's back


def test_prepare_database_accepts_a_migrated_database(empty: Engine) -> None:
    upgrade(empty)
    prepare_database(empty)
    assert versions(empty) == [head(empty)]


def test_prepare_database_after_a_downgrade_migrates_sqlite_and_refuses_postgresql(empty: Engine) -> None:
    upgrade(empty)
    downgrade(empty, "base")
    if empty.dialect.name == "sqlite":
        prepare_database(empty)  # a SQLite file belongs to the service: brought back to head
        assert versions(empty) == [head(empty)]
        return
    with pytest.raises(DatabaseNotReady, match="guichet db upgrade"):
        prepare_database(empty)


def test_the_head_read_from_the_migration_files_is_alembic_s(empty: Engine) -> None:
    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config(empty)).get_heads())


def test_the_head_of_a_branched_history_is_every_revision_no_other_follows(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    (tmp_path / "c.py").write_text('"""Another branch."""\nrevision = "c"\ndown_revision = "a"\n')
    assert head_revisions(tmp_path) == {"b", "c"}
    (tmp_path / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')
    assert head_revisions(tmp_path) == {"d"}


def test_the_revisions_a_database_is_at_are_the_ones_alembic_reads(empty: Engine) -> None:
    def alembic_s() -> set[str]:
        with empty.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def ours() -> set[str]:
        with empty.connect() as connection:
            return current_revisions(connection)

    assert ours() == alembic_s() == set()
    upgrade(empty)
    assert ours() == alembic_s() == {head(empty)}
    downgrade(empty, "base")
    assert ours() == alembic_s() == set()


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_guichet_db_upgrade_then_downgrade_base_on_a_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("GUICHET_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    runner = CliRunner()
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        result = runner.invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "schéma à jour (head)" in result.output
        assert versions(engine) == [head(engine)]
        assert tables(engine) == MODEL_TABLES | {"alembic_version"}

        result = runner.invoke(cli, ["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert "ramenée à la révision base" in result.output
        assert tables(engine) & MODEL_TABLES == set()
        assert versions(engine) == []
    finally:
        engine.dispose()
