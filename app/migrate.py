"""Schema migrations (Alembic) driven from the code: `guichet db upgrade`, `make run`, the tests."""

from __future__ import annotations

import ast
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from app.db import SQLITE_BEGIN
from app.db import DatabaseNotReady as DatabaseNotReady  # defined with the gate that catches it; raised here

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic itself (and Mako, Pygments and every SQL dialect it brings along: a sixth of a second, a
# tenth of the service's start-up) is imported only to migrate: checking that a database is at the
# latest revision needs no more than the migration files' revision identifiers and one SELECT.

#: Inside the package, so that an installed wheel migrates without the repository's alembic.ini
#: (which stays for the `alembic` command run from a checkout, e.g. `alembic revision`).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # One directory of versions: no list to split (and no warning about the legacy separator).
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    # IMMEDIATE: two processes starting together on one SQLite file migrate one after the other.
    with engine.connect().execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) as connection, connection.begin():
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _assigned(tree: ast.Module, name: str) -> object:
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            return ast.literal_eval(value)
    return None


def head_revisions(directory: Path = MIGRATIONS_DIR / "versions") -> set[str]:
    """The revisions no other revision follows, read from the migration files as Alembic finds them."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in directory.glob("*.py"):
        tree = ast.parse(path.read_bytes(), str(path))
        revision = _assigned(tree, "revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = _assigned(tree, "down_revision")
        followed.update([down] if isinstance(down, str) else down if isinstance(down, tuple | list) else [])
    return revisions - followed


def current_revisions(connection: Connection) -> set[str]:
    """The revisions a database is at, as Alembic records them (none when it was never migrated)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def schema_check(engine: Engine) -> Callable[[Connection], None]:
    """A check of a connection's schema against this code's migrations: raises `DatabaseNotReady`.

    The migration files are read once, at the first check, not at each one (/health checks often).
    """
    expected: set[str] = set()

    def check(connection: Connection) -> None:
        if not expected:
            expected.update(head_revisions())
        current = current_revisions(connection)
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
        from alembic.util import CommandError

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
