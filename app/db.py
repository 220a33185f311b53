"""The database: engine, sessions, and the one place where a request's transaction ends.

SQLite by default (WAL, foreign keys on), PostgreSQL in production (psycopg 3). Services receive a
`Session` and never commit: the session dependency commits when the route returns and rolls back
when it raises, before the answer is sent.

The database may be gone, hung or without its schema while the service runs: matching needs none,
so the service starts and serves without it. `Database` is the gate the requests pass: a database
that cannot serve becomes `DatabaseUnavailable` (503) here, within bounded timeouts, and the gate
checks again at the next request (or /health) until the database is back, without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from app.errors import DomainError, ErrorKind

logger = logging.getLogger("guichet.db")

#: connections a pool keeps open, and how many more it opens under load (closed once returned):
#: SQLAlchemy's 5 + 10 had requests of a worker serving 8 filings at once open and close a
#: connection every dozen filings (a new server process, its statements prepared again); 10 + 5
#: keeps them, with the same 15 at most per worker
POOL_SIZE, POOL_OVERFLOW = 10, 5
#: execution option naming how a SQLite transaction begins
SQLITE_BEGIN = "sqlite_begin"

#: the errors that say "the database cannot serve now" (gone, refused, hung, locked, timed out,
#: out of connections), as opposed to a bug or a refused value, which stay what they are
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)


class DatabaseUnavailable(DomainError):
    """The database cannot serve this request now; the rest of the service still can."""

    kind = ErrorKind.UNAVAILABLE
    slug = "base-de-donnees-indisponible"
    title = "Base de données indisponible"

    def __init__(self) -> None:
        # One text for every cause: the cause is for the operators' log, not for the public.
        super().__init__(
            "La base de données du guichet ne répond pas : les demandes ne peuvent être ni déposées ni "
            "consultées pour le moment. Réessayez dans quelques minutes ; la recherche d'aides reste disponible."
        )


class DatabaseNotReady(Exception):
    """The database schema is not the one this code expects."""


class _HiddenRows(logging.Filter):
    """SQLAlchemy logs every row it reads when its logger is at DEBUG: a case's row holds the
    applicant's contact and message. The rows are replaced by a mark (the statements stay, their
    parameters are hidden by the engine: `hide_parameters`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Row %r":
            record.args = ("(ligne masquée)",)
        return True


def _hide_rows_in_logs() -> None:
    sql_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _HiddenRows) for f in sql_logger.filters):
        sql_logger.addFilter(_HiddenRows())


def create_db_engine(
    url: str,
    *,
    connect_timeout: int = 3,
    statement_timeout: float | None = None,
    pool_timeout: float = 30.0,
    single_connection: bool = False,
) -> Engine:
    """An engine whose waits are bounded: connecting, a statement (None: unbounded, for migrations),
    a free connection of the pool. `single_connection`: a pool of one (the health check's own).

    Parameters never reach the logs: a failed INSERT's message would otherwise carry what a person typed.
    """
    _hide_rows_in_logs()
    parsed = make_url(url)
    pool: dict[str, Any] = {"pool_timeout": pool_timeout, "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if single_connection:
        pool |= {"pool_size": 1, "max_overflow": 0}
    if parsed.get_backend_name() != "sqlite":
        connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
        if statement_timeout is not None:
            connect_args["options"] = f"-c statement_timeout={round(statement_timeout * 1000)}"
            # A peer that vanishes mid-statement (network loss): unacknowledged data ends the
            # connection instead of a wait of the kernel's retransmission timeout (about 15 min).
            connect_args["tcp_user_timeout"] = round((statement_timeout + connect_timeout) * 1000)
        # pre_ping: a connection of the pool that died with the server is replaced, not handed out.
        return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args, **pool)
    busy_seconds = 15.0 if statement_timeout is None else statement_timeout
    file = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
    # The driver's own transaction handling is turned off so that BEGIN is ours: a writing request
    # begins IMMEDIATE (takes the write lock first), so two concurrent writers queue behind the busy
    # timeout instead of one failing with "database is locked" when it upgrades its read snapshot.
    engine = create_engine(
        url, hide_parameters=True, connect_args={"timeout": busy_seconds, "isolation_level": None}, **pool
    )
    _SQLITE_LOCK_WAIT[str(engine.url)] = busy_seconds

    @event.listens_for(engine, "do_connect")
    def _directory(*_args: Any) -> None:
        # At each connection, not once: a directory that could not be made at start-up (disk not
        # mounted yet) is made when it can, and the service recovers without a restart. A failure
        # here becomes sqlite3's own "unable to open database file", an OperationalError.
        if file is not None:
            with suppress(OSError):
                file.parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {round(busy_seconds * 1000)}")
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
#: how long a writer waits for that lock: the file's busy timeout, so that the wait is bounded too
_SQLITE_LOCK_WAIT: dict[str, float] = {}


@contextmanager
def _sqlite_writer(engine: Engine) -> Iterator[None]:
    key = str(engine.url)
    with _SQLITE_WRITERS_GUARD:
        lock = _SQLITE_WRITERS.setdefault(key, threading.Lock())
    wait = _SQLITE_LOCK_WAIT.get(key, 15.0)
    if not lock.acquire(timeout=wait):
        raise DatabaseUnavailable() from TimeoutError(f"écriture SQLite en attente du verrou depuis {wait:g} s")
    try:
        yield
    finally:
        lock.release()


@contextmanager
def transaction(sessions: sessionmaker[Session], *, writing: bool) -> Iterator[Session]:
    """The one place where a transaction ends: committed if the block returns, rolled back if it raises.

    A database that cannot serve (gone, hung, locked past the timeouts) raises `DatabaseUnavailable`,
    its cause chained; any other error is raised as it is.
    """
    session = sessions()
    bind = session.get_bind().engine
    sqlite_writer = writing and bind.dialect.name == "sqlite"
    try:
        with _sqlite_writer(bind) if sqlite_writer else nullcontext():
            if sqlite_writer:
                session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
            yield session
            session.commit()
    except BaseException as exc:
        # On a dead connection the rollback fails too; the error that matters is the first one.
        with suppress(SQLAlchemyError):
            session.rollback()
        if isinstance(exc, UNAVAILABLE_ERRORS):
            raise DatabaseUnavailable() from exc
        raise
    finally:
        session.close()


def statements_committed_alone(session: Session) -> None:
    """On PostgreSQL, each statement of `session` from now on is its own transaction, committed when
    it returns (autocommit): no BEGIN and no COMMIT, two round trips fewer, for a transaction made
    of one write (a statement is atomic, and durable once answered). Called before the session's
    first statement; SQLite is left as it is (its writers begin IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def cause_of(exc: BaseException) -> str:
    """What went wrong, for the operators' log: the driver's first line, never a statement or its values."""
    if isinstance(exc, DatabaseUnavailable) and exc.__cause__ is not None:
        return cause_of(exc.__cause__)
    if isinstance(exc, PoolTimeout):
        return "aucune connexion libre dans le pool dans le délai"
    if isinstance(exc, DBAPIError):
        first_line = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return f"{type(exc.orig).__name__} : {first_line}" if first_line else type(exc.orig).__name__
    if isinstance(exc, DatabaseNotReady | TimeoutError):
        return str(exc)  # our own words (a schema version, a delay): no data in them
    return type(exc).__name__


#: what /health says of each state of the database (French: read by people)
PROBLEMS = {
    "unreachable": "la base de données ne répond pas",
    "not_migrated": "le schéma de la base n'est pas celui de cette version du service (guichet db upgrade)",
}


#: a database found ready is not checked again by /health for this long: a load balancer polling
#: every 100 ms costs the database one check a second, and /health a memory read
CHECK_REUSED_FOR = 1.0


class Database:
    """The service's database as the requests see it: ready, or unavailable until checked again.

    `prepare` brings the database to where the service can use it or raises (start-up's job:
    migrate a SQLite file, check a PostgreSQL schema; `DatabaseNotReady` when the schema is not
    this code's); `check_schema` checks one connection's schema the same way, without changing it.
    While the database is not ready every request tries `prepare` again, one at a time: the others
    answer 503 at once instead of queueing behind a database that does not answer.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        prepare: Callable[[Engine], None],
        check_schema: Callable[[Connection], None],
        probe_engine: Engine | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = session_factory(engine)
        self._prepare = prepare
        self._check_schema = check_schema
        # Its own engine and connection: /health is not held up by requests that hold every
        # connection of their pool (its connection is pinged, and replaced when it died).
        self._probe_engine = probe_engine or engine
        self._preparing = threading.Lock()
        self._probe: Future[dict[str, Any]] | None = None
        self.ready = False
        #: "unknown" (not checked yet), "ok", "unreachable" or "not_migrated"
        self.state = "unknown"
        self._cause: str | None = None
        self._checked_ok_at = float("-inf")

    @property
    def name(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def start(self) -> None:
        """At start-up: prepare the database, or say in the log why the service starts without it."""
        try:
            self.ensure_ready(quiet=True)
        except DatabaseUnavailable:
            logger.error(
                "Base de données %s indisponible au démarrage (%s). Le service démarre sans elle : la "
                "recherche d'aides répond, les dossiers et les statistiques répondent 503 jusqu'à son "
                "retour, vérifié à chaque requête et par /health.",
                self.name,
                self._cause,
            )

    def ensure_ready(self, *, quiet: bool = False) -> None:
        """Return if the database can serve; else try `prepare` once more, or raise `DatabaseUnavailable`."""
        if self.ready:
            return
        # Not blocking: while one request waits for a database that does not answer, the
        # others answer at once rather than waiting one connect timeout each, in turn.
        if not self._preparing.acquire(blocking=False):
            raise DatabaseUnavailable()
        try:
            if self.ready:
                return
            try:
                self._prepare(self.engine)
            except DatabaseNotReady as exc:
                self._down("not_migrated", exc, quiet=quiet)
                raise DatabaseUnavailable() from exc
            except (SQLAlchemyError, DatabaseUnavailable) as exc:
                self._down("unreachable", exc, quiet=quiet)
                raise DatabaseUnavailable() from exc
            self._up()
        finally:
            self._preparing.release()

    def _up(self) -> None:
        was_down = self.state not in ("unknown", "ok")
        self.ready, self.state, self._cause = True, "ok", None
        if was_down:
            logger.warning("Base de données %s de nouveau disponible.", self.name)

    def _down(self, state: str, exc: BaseException, *, quiet: bool = False) -> None:
        """Not ready until checked again; said in the log once per outage and cause, never with a traceback."""
        cause = cause_of(exc)
        known = (self.state, self._cause) == (state, cause)
        self.ready, self.state, self._cause = False, state, cause
        self._checked_ok_at = float("-inf")
        if not known and not quiet:
            logger.error("Base de données %s indisponible (%s) : les dossiers répondent 503.", self.name, cause)

    @contextmanager
    def session(self, *, writing: bool) -> Iterator[Session]:
        """A request's transaction (see `transaction`), once the database is known to serve."""
        self.ensure_ready()
        try:
            with transaction(self.sessions, writing=writing) as session:
                yield session
        except DatabaseUnavailable as exc:
            if isinstance(exc.__cause__, (OperationalError, InterfaceError)):
                # Gone, refused, timed out: checked again before the next request uses it.
                self._down("unreachable", exc)
            else:
                # Every connection of the pool, or SQLite's write lock, held past the timeout: the
                # database is busy, not gone; the next request simply tries again.
                logger.warning("Base de données %s occupée (%s) : réponse 503.", self.name, cause_of(exc))
            raise
        except ProgrammingError as exc:
            # A missing table or column (PostgreSQL): the schema may have gone since the start.
            # If it has, this is an unavailable database; if not, a fault of the code (500).
            if self._check() != "ok":
                raise DatabaseUnavailable() from exc
            raise

    def _check(self) -> str:
        """Check the schema on a new connection; mark the database down when it cannot serve."""
        try:
            with self._probe_engine.connect() as connection:
                self._check_schema(connection)
        except DatabaseNotReady as exc:
            self._down("not_migrated", exc)
        except SQLAlchemyError as exc:
            self._down("unreachable", exc)
        return self.state if not self.ready else "ok"

    async def health(self, timeout: float) -> dict[str, Any]:
        """For /health, within `timeout` whatever the database does: can it serve, and if not, why."""
        # One check at a time, in a thread of its own (not the pool that requests wait for): a
        # hung database costs one waiting thread, however often /health is called.
        if self.ready and time.monotonic() - self._checked_ok_at < CHECK_REUSED_FOR:
            return self._describe("ok", None)
        probe = self._probe
        if probe is None or probe.done():
            probe = self._probe = Future()
            threading.Thread(target=self._run_probe, args=(probe,), name="guichet-db-probe", daemon=True).start()
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(probe)), timeout)
        except TimeoutError:
            return self._describe("timed_out", f"la base de données n'a pas répondu en {timeout:g} s")

    def _run_probe(self, probe: Future[dict[str, Any]]) -> None:
        try:
            probe.set_result(self._probe_state())
        except BaseException as exc:  # a fault of the code: the awaiting /health answers 500
            probe.set_exception(exc)

    def _probe_state(self) -> dict[str, Any]:
        try:
            # Not ready: this is also the retry that brings it back when no request comes
            # (a load balancer that took the instance out sends only /health).
            self.ensure_ready()
        except DatabaseUnavailable:
            return self._describe(self.state, PROBLEMS.get(self.state, PROBLEMS["unreachable"]))
        state = self._check()
        if state == "ok":
            self._checked_ok_at = time.monotonic()
        return self._describe(state, PROBLEMS.get(state))

    def _describe(self, state: str, problem: str | None) -> dict[str, Any]:
        described: dict[str, Any] = {"backend": self.engine.dialect.name, "state": state, "ready": problem is None}
        if problem is not None:
            described["problem"] = problem
        return described

    def dispose(self) -> None:
        self.engine.dispose()
        if self._probe_engine is not self.engine:
            self._probe_engine.dispose()


def db_session(request: Request) -> Iterator[Session]:
    """The request's transaction (see `transaction`), or 503 while the database cannot serve.

    Use with `Depends(db_session, scope="function")`, so that the commit happens before the
    answer is sent: a 201 is never sent for a case that failed to commit.
    """
    writing = request.method not in ("GET", "HEAD", "OPTIONS")
    database: Database = request.app.state.database
    with database.session(writing=writing) as session:
        yield session
