"""Fixtures of the page tests: the service served over real HTTP, for a browser or any HTTP client.

The pages are a server-rendered front end: a browser test needs a real server (Chromium cannot
talk to a TestClient). One uvicorn server per package of tests, in a thread of this process, on a
free port of 127.0.0.1, with its own SQLite file, the stand-in SIRENE directory and a real SMTP
server (tests.mail_server): its e-mails wait in the outbox until a test delivers them
(app.worker.send_due), as `guichet worker` would.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from app.main import create_app
from app.services.matching import MatchContext
from app.settings import Settings
from tests.conftest import settings_with
from tests.fake_directory import FakeDirectory
from tests.mail_server import MailServer

#: a server that is not up by then will not be: its log says why
STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_path: Path
    settings: Settings
    mail: MailServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_until_healthy(url: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("le serveur des pages s'est arrêté au démarrage (voir son journal ci-dessus)")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"le serveur des pages ne répond pas sur {url}/health après {STARTUP_SECONDS:.0f} s")


@pytest.fixture(scope="package")
def live_mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def live_server(
    match_context: MatchContext,
    fake_directory_server: FakeDirectory,
    live_mail_server: MailServer,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """The whole service (pages and API) on http://127.0.0.1:<port>, on a migrated SQLite copy."""
    database_path = tmp_path_factory.mktemp("pages") / "pages.sqlite3"
    shutil.copyfile(sqlite_template, database_path)
    fake_directory_server.default_script()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings_with(
        database_url=f"sqlite:///{database_path}",
        sirene_url=fake_directory_server.url,
        sirene_deadline_seconds=2.0,
        # the links of the e-mails lead back to this server
        public_url=url,
        smtp_host="127.0.0.1",
        smtp_port=live_mail_server.port,
        smtp_starttls=False,
        smtp_timeout_seconds=2.0,
    )
    config = uvicorn.Config(
        create_app(settings, context=match_context),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    # uvicorn installs no signal handler outside the main thread: pytest keeps Ctrl-C.
    thread = threading.Thread(target=server.run, name="pages-server", daemon=True)
    thread.start()
    try:
        _wait_until_healthy(url, thread)
        yield LiveServer(url, database_path, settings, live_mail_server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
