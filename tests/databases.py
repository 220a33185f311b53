"""Database fixtures: every database test runs on SQLite and on the machine's PostgreSQL.

PostgreSQL: GUICHET_TEST_POSTGRES_URL (default: the local server, database `test`). The run creates
its own database there, migrates it once, empties it between tests and drops it at the end. When the
server does not answer, the PostgreSQL half fails with the reason: it is never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.db import create_db_engine
from app.migrate import upgrade
from app.models import Base

POSTGRES_URL = os.environ.get("GUICHET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class Database:
    backend: str
    url: str
    engine: Engine


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_db_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"guichet_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL injoignable à {POSTGRES_URL} ({type(exc).__name__}) : démarrez-le "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "ou indiquez GUICHET_TEST_POSTGRES_URL."
        )
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "guichet.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        engine = create_db_engine(url)
        yield Database("sqlite", url, engine)
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    engine = create_db_engine(url)
    yield Database("postgresql", url, engine)
    # TRUNCATE skips row triggers: the append-only rule of case_event does not stand in the way.
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
