"""The database gone, refused, hung, slow or without its schema: 503 in bounded time, the rest serves.

Each outage is real: a PostgreSQL database dropped or created empty, a port that refuses, a port
that accepts and never answers (a listener in this file), a lock held by another connection, a
SQLite file that cannot be created. For each: case and stats routes answer a French 503 within a
bound, /health answers 503 within about a second with the database down, matching still answers
200, the service starts without a traceback, and once the database is back it serves again
without a restart.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

import tests.databases
from app.cli import cli
from app.db import create_db_engine
from app.main import create_app
from app.migrate import downgrade, upgrade
from app.services.matching import MatchContext
from app.settings import Settings, get_settings
from tests.case_desk import Clock, case_body
from tests.databases import Database

#: the settings of these tests: short, so that the bounds below tell a bounded wait from a hang
CONNECT_TIMEOUT = 3
STATEMENT_TIMEOUT = 1.0
HEALTH_TIMEOUT = 0.5
#: a case route answers within this (a hung database used to hold it 34 s)
CASE_BOUND = 10.0
#: /health answers within this (it used to wait 30 s, the pool timeout); it waits HEALTH_TIMEOUT
HEALTH_BOUND = 2.0
#: a database back is served again within this, without a restart
RECOVERY_BOUND = 15.0

PROFILE = {"territory": {"commune": "32160"}, "company": {"headcount": 45, "naf": "25.62A"}}


class Port:
    """A TCP port on 127.0.0.1 standing for the database server: it refuses, stays silent after
    accepting, or forwards to the real PostgreSQL (the server back, at the same address)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        probe = socket.create_server(("127.0.0.1", 0))
        self.number = probe.getsockname()[1]
        probe.close()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sockets: list[socket.socket] = []

    def refuse(self) -> None:
        """Nothing listens: a connection is refused at once."""
        self._stop.set()
        if self._accepting is not None:
            # Until its accept() returns, the listening socket lives on and the port cannot be bound.
            self._accepting.join()
            self._accepting = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for held in self._sockets:
            held.close()
        self._sockets.clear()

    def stay_silent(self) -> None:
        """Accept every connection and never send a byte (a server that hangs)."""
        self._listen(lambda _client: None)

    def forward(self) -> None:
        """Pass every connection to PostgreSQL."""
        self._listen(self._pipe)

    def _listen(self, serve: Callable[[socket.socket], None]) -> None:
        self.refuse()
        self._stop = stop = threading.Event()
        listener = self._listener = socket.create_server(("127.0.0.1", self.number))
        listener.settimeout(0.05)

        def accept() -> None:
            while not stop.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                self._sockets.append(client)
                serve(client)

        self._accepting = threading.Thread(target=accept, daemon=True)
        self._accepting.start()

    def _pipe(self, client: socket.socket) -> None:
        server = socket.create_connection(self.upstream)
        self._sockets.append(server)

        def pump(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    target.sendall(data)
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        threading.Thread(target=pump, args=(client, server), daemon=True).start()
        threading.Thread(target=pump, args=(server, client), daemon=True).start()


@pytest.fixture
def port() -> Iterator[Port]:
    upstream = make_url(tests.databases.POSTGRES_URL)
    standing_in = Port((upstream.host or "127.0.0.1", upstream.port or 5432))
    yield standing_in
    standing_in.refuse()


def settings_for(url: str, tmp_path: Path, **changes: Any) -> Settings:
    return Settings(
        database_url=url,
        database_connect_timeout_seconds=CONNECT_TIMEOUT,
        database_statement_timeout_seconds=STATEMENT_TIMEOUT,
        database_pool_timeout_seconds=1.0,
        health_database_timeout_seconds=HEALTH_TIMEOUT,
        token_key="cle-des-tests-pannes",
        token_key_file=tmp_path / "unused.key",
        sirene_url="",
        **changes,
    )


@contextmanager
def guichet(settings: Settings, match_context: MatchContext) -> Iterator[TestClient]:
    # The clock of the case tests: the schemes asked for are open on that day.
    with TestClient(create_app(settings, context=match_context, clock=Clock())) as client:
        yield client


def timed(call: Callable[[], Response]) -> tuple[Response, float]:
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def assert_database_problem(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith(":base-de-donnees-indisponible")
    assert problem["title"] == "Base de données indisponible"
    assert "réessayez" in problem["detail"].lower()


def assert_outage(client: TestClient) -> dict[str, Any]:
    """Case and stats routes: a French 503 within the bound; /health: 503 at once; matching: 200."""
    for call in (
        lambda: client.post("/v1/cases", json=case_body()),
        lambda: client.get("/v1/cases", headers={"Authorization": "Bearer jeton-quelconque"}),
        lambda: client.get("/v1/stats", headers={"Authorization": "Bearer jeton-quelconque"}),
    ):
        response, seconds = timed(call)
        assert_database_problem(response)
        assert seconds < CASE_BOUND
    health, seconds = timed(lambda: client.get("/health"))
    assert seconds < HEALTH_BOUND
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    database: dict[str, Any] = health.json()["database"]
    assert database["ready"] is False
    assert database["problem"]
    assert client.post("/v1/match", json=PROFILE).status_code == 200
    assert client.get("/v1/schemes").status_code == 200
    assert client.get("/v1/territories/resolve", params={"q": "32160"}).status_code == 200
    return database


def assert_recovers(client: TestClient) -> None:
    """Once the database is back, filing works again and /health says ok, without a restart."""
    deadline = time.monotonic() + RECOVERY_BOUND
    while (filed := client.post("/v1/cases", json=case_body())).status_code == 503 and time.monotonic() < deadline:
        # A check started during the outage may still be waiting for its timeout: the next one succeeds.
        time.sleep(0.2)
    assert filed.status_code == 201, filed.text
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["database"] | {"backend": "?"} == {"backend": "?", "state": "ok", "ready": True}


def assert_started_without_it(caplog: pytest.LogCaptureFixture, *cause: str) -> None:
    said = [r for r in caplog.records if "indisponible au démarrage" in r.getMessage()]
    assert len(said) == 1
    assert said[0].levelno == logging.ERROR
    assert "Le service démarre sans elle" in said[0].getMessage()
    for words in cause:
        assert words in said[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"


# --- PostgreSQL ---------------------------------------------------------------------------------


@contextmanager
def postgres_database(*, migrated: bool) -> Iterator[str]:
    """A database of its own (created, migrated or not), dropped at the end whatever happened."""
    admin = create_db_engine(tests.databases.POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"guichet_panne_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(tests.databases.POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()


def drop_and_create(url: str, *, drop: bool, create: bool) -> None:
    name = make_url(url).database
    admin = create_db_engine(tests.databases.POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if drop:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def test_postgresql_dropped_while_serving_is_a_503_and_served_again_once_recreated(
    match_context: MatchContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with postgres_database(migrated=True) as url, guichet(settings_for(url, tmp_path), match_context) as client:
        assert client.post("/v1/cases", json=case_body()).status_code == 201
        drop_and_create(url, drop=True, create=False)
        database = assert_outage(client)
        assert database["state"] == "unreachable"
        assert any("n'existe pas" in r.getMessage() or "does not exist" in r.getMessage() for r in caplog.records)
        drop_and_create(url, drop=False, create=True)
        migrate(url)
        assert_recovers(client)
    assert not [r for r in caplog.records if r.exc_info]


def test_postgresql_on_a_refused_port_starts_says_so_in_french_and_recovers_when_the_server_listens(
    match_context: MatchContext, postgres_url: str, port: Port, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = make_url(postgres_url).set(port=port.number).render_as_string(hide_password=False)
    with guichet(settings_for(url, tmp_path), match_context) as client:
        assert_started_without_it(caplog, f":{port.number}/", "Connection refused")
        assert assert_outage(client)["state"] == "unreachable"
        port.forward()
        assert_recovers(client)


def test_postgresql_that_accepts_and_never_answers_is_a_503_within_the_connect_timeout(
    match_context: MatchContext, postgres_url: str, port: Port, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port.stay_silent()
    url = make_url(postgres_url).set(port=port.number).render_as_string(hide_password=False)
    started = time.monotonic()
    with guichet(settings_for(url, tmp_path), match_context) as client:
        assert time.monotonic() - started < CASE_BOUND  # the start-up check waits one connect timeout
        assert_started_without_it(caplog, "timeout")
        assert assert_outage(client)["state"] in ("timed_out", "unreachable")
        port.forward()
        assert_recovers(client)


def test_postgresql_created_but_not_migrated_is_not_ready_until_upgraded(
    match_context: MatchContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with postgres_database(migrated=False) as url, guichet(settings_for(url, tmp_path), match_context) as client:
        assert_started_without_it(caplog, "version vide", "guichet db upgrade")
        assert assert_outage(client)["state"] == "not_migrated"
        migrate(url)
        assert_recovers(client)


def test_postgresql_tables_gone_while_serving_is_a_503_not_a_500(match_context: MatchContext, tmp_path: Path) -> None:
    with postgres_database(migrated=True) as url, guichet(settings_for(url, tmp_path), match_context) as client:
        engine = create_db_engine(url)
        downgrade(engine, "base")
        assert_database_problem(client.post("/v1/cases", json=case_body()))
        assert client.get("/health").json()["database"]["state"] == "not_migrated"
        upgrade(engine)
        engine.dispose()
        assert_recovers(client)


def test_postgresql_statement_held_by_a_lock_ends_at_the_statement_timeout_with_a_503(
    match_context: MatchContext, postgres_url: str, tmp_path: Path
) -> None:
    engine = create_db_engine(postgres_url)
    with guichet(settings_for(postgres_url, tmp_path), match_context) as client:
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE access_token IN ACCESS EXCLUSIVE MODE"))
            response, seconds = timed(lambda: client.get("/v1/cases", headers={"Authorization": "Bearer inconnu"}))
            holder.rollback()
        assert_database_problem(response)
        assert STATEMENT_TIMEOUT <= seconds < CASE_BOUND
        # The lock gone, the same request reaches the table: an unknown token, not a database problem.
        assert client.get("/v1/cases", headers={"Authorization": "Bearer inconnu"}).status_code == 401
    engine.dispose()


# --- SQLite -------------------------------------------------------------------------------------


def test_sqlite_file_that_cannot_be_created_starts_without_it_and_recovers_once_it_can(
    match_context: MatchContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A file where the database's directory should be (a volume not mounted yet, say).
    blocker = tmp_path / "volume"
    blocker.write_text("pas un dossier")
    with guichet(settings_for(f"sqlite:///{blocker / 'guichet.sqlite3'}", tmp_path), match_context) as client:
        assert_started_without_it(caplog, "unable to open database file")
        assert assert_outage(client)["state"] == "unreachable"
        blocker.unlink()
        assert_recovers(client)  # the directory made, the file created and migrated by the service


def test_sqlite_tables_gone_while_serving_are_brought_back_by_the_service(
    match_context: MatchContext, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'guichet.sqlite3'}"
    with guichet(settings_for(url, tmp_path), match_context) as client:
        engine = create_db_engine(url)
        downgrade(engine, "base")
        engine.dispose()
        # The request that meets the missing tables: a 503, not a 500; the file belongs to the
        # service, so the next one finds it migrated again.
        assert_database_problem(client.post("/v1/cases", json=case_body()))
        assert_recovers(client)


def test_sqlite_write_lock_held_elsewhere_is_a_503_at_the_timeout_and_then_served(
    match_context: MatchContext, tmp_path: Path
) -> None:
    path = tmp_path / "guichet.sqlite3"
    with guichet(settings_for(f"sqlite:///{path}", tmp_path), match_context) as client:
        other_process = sqlite3.connect(path, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")
        response, seconds = timed(lambda: client.post("/v1/cases", json=case_body()))
        other_process.execute("ROLLBACK")
        other_process.close()
        assert_database_problem(response)
        assert STATEMENT_TIMEOUT <= seconds < CASE_BOUND
        assert_recovers(client)


def test_health_is_200_degraded_when_the_database_is_not_required(match_context: MatchContext, tmp_path: Path) -> None:
    blocker = tmp_path / "volume"
    blocker.write_text("pas un dossier")
    settings = settings_for(f"sqlite:///{blocker / 'guichet.sqlite3'}", tmp_path, database_required=False)
    with guichet(settings, match_context) as client:
        health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["database"]["ready"] is False


def test_a_failed_statement_never_carries_its_values(database: Database) -> None:
    # The message of a failed INSERT would otherwise hold what a person typed, and reach a log.
    with pytest.raises(DBAPIError) as caught, database.engine.connect() as connection:
        connection.execute(text("INSERT INTO nulle_part (nom) VALUES (:nom)"), {"nom": "Camille Exemple"})
    assert "Camille" not in str(caught.value)
    assert "parameters hidden" in str(caught.value)


def test_a_command_on_a_refused_database_says_so_in_french_without_a_traceback(
    postgres_url: str, port: Port, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_DATABASE_URL", make_url(postgres_url).set(port=port.number).render_as_string())
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["tokens", "list"])
    finally:
        get_settings.cache_clear()
    said = " ".join(result.stderr.split())
    assert result.exit_code == 1
    assert f"127.0.0.1:{port.number}" in said
    assert "injoignable" in said
    assert "Connection refused" in said
    assert "Traceback" not in result.output
