"""Schema migrations (Alembic) driven from the code: `guichet db upgrade`, `make run`, the tests."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from app.db import SQLITE_BEGIN
from app.db import DatabaseNotReady as DatabaseNotReady  # defined with the gate that catches it; raised here

#: Inside the package, so that an installed wheel migrates without the repository's alembic.ini
#: (which stays for the `alembic` command run from a checkout, e.g. `alembic revision`).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # One directory of versions: no list to split (and no warning about the legacy separator).
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    # IMMEDIATE: two processes starting together on one SQLite file migrate one after the other.
    with engine.connect().execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) as connection, connection.begin():
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def schema_check(engine: Engine) -> Callable[[Connection], None]:
    """A check of a connection's schema against this code's migrations: raises `DatabaseNotReady`.

    The migration files are read once, at the first check, not at each one (/health checks often).
    """
    expected: set[str] = set()

    def check(connection: Connection) -> None:
        if not expected:
            expected.update(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
        current = set(MigrationContext.configure(connection).get_current_heads())
        if current != expected:
            raise DatabaseNotReady(
                f"Schéma de la base {engine.url.render_as_string(hide_password=True)} : version "
                f"{', '.join(sorted(current)) or 'vide'}, attendue {', '.join(sorted(expected))}. "
                "Lancez « guichet db upgrade »."
            )

    return check


def prepare_database(engine: Engine, check: Callable[[Connection], None] | None = None) -> None:
    """At start-up: a SQLite database is brought to the latest schema (it belongs to this service);
    any other database must already be (migrations are a deployment step: `guichet db upgrade`).

    Raises `DatabaseNotReady` for a schema this code cannot use, and SQLAlchemy's errors for a
    database that cannot be reached: the caller decides (the service starts anyway, the CLI stops).
    """
    check = check or schema_check(engine)
    if engine.dialect.name == "sqlite":
        # Read first: a file already at the latest schema costs no write lock and no migration run.
        with engine.connect() as connection, suppress(DatabaseNotReady):
            check(connection)
            return
        try:
            upgrade(engine)
        except CommandError as exc:
            # A revision this code does not know (the file was migrated by a newer version).
            raise DatabaseNotReady(
                f"Base {engine.url.render_as_string(hide_password=True)} : {exc}. "
                "Une version plus récente du service l'a-t-elle migrée ?"
            ) from None
        return
    with engine.connect() as connection:
        check(connection)
