"""Schema migrations (Alembic) driven from the code: `guichet db upgrade`, `make run`, the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.db import SQLITE_BEGIN

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


class DatabaseNotReady(Exception):
    """The database schema is not the one this code expects."""


def prepare_database(engine: Engine) -> None:
    """At start-up: a SQLite database is brought to the latest schema (it belongs to this service);
    any other database must already be (migrations are a deployment step: `guichet db upgrade`)."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    expected = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    if current != expected:
        raise DatabaseNotReady(
            f"Schéma de la base {engine.url.render_as_string(hide_password=True)} : version "
            f"{', '.join(sorted(current)) or 'vide'}, attendue {', '.join(sorted(expected))}. "
            "Lancez « guichet db upgrade »."
        )
