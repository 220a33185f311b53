"""The database: engine, sessions, and the one place where a request's transaction ends.

SQLite by default (WAL, foreign keys on), PostgreSQL in production (psycopg 3). Services receive a
`Session` and never commit: the session dependency commits when the route returns and rolls back
when it raises, before the answer is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

#: execution option naming how a SQLite transaction begins
SQLITE_BEGIN = "sqlite_begin"


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A database that does not answer must not hold a request (or /health) for minutes.
        return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args={"connect_timeout": 3})
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # The driver's own transaction handling is turned off so that BEGIN is ours: a writing request
    # begins IMMEDIATE (takes the write lock first), so two concurrent writers queue behind the busy
    # timeout instead of one failing with "database is locked" when it upgrades its read snapshot.
    engine = create_engine(url, hide_parameters=True, connect_args={"timeout": 15, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


#: one writer at a time per SQLite file in this process: writers queue on a lock instead of
#: SQLite's busy handler, which sleeps in growing steps (tens of milliseconds of tail latency)
_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.Lock:
    key = str(engine.url)
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(key, threading.Lock())


@contextmanager
def transaction(sessions: sessionmaker[Session], *, writing: bool) -> Iterator[Session]:
    """The one place where a transaction ends: committed if the block returns, rolled back if it raises."""
    session = sessions()
    bind = session.get_bind().engine
    writer = _sqlite_writer_lock(bind) if writing and bind.dialect.name == "sqlite" else nullcontext()
    try:
        with writer:
            if writing and bind.dialect.name == "sqlite":
                session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def db_session(request: Request) -> Iterator[Session]:
    """The request's transaction (see `transaction`).

    Use with `Depends(db_session, scope="function")`, so that the commit happens before the
    answer is sent: a 201 is never sent for a case that failed to commit.
    """
    writing = request.method not in ("GET", "HEAD", "OPTIONS")
    with transaction(request.app.state.db_sessions, writing=writing) as session:
        yield session


def database_state(engine: Engine) -> dict[str, Any]:
    """For /health: which database, and whether it answers now."""
    state: dict[str, Any] = {"backend": engine.dialect.name}
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        state["reachable"] = True
    except Exception as exc:
        state |= {"reachable": False, "error": type(exc).__name__}
    return state
