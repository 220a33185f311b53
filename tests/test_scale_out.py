"""Two real worker processes of the service, as two machines behind a reverse proxy would run them:
one PostgreSQL database, one Redis (127.0.0.1:6379), one token key. What one process counts, the
other sees; a case filed through one is triaged through the other."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis

from app.db import create_db_engine, session_factory, transaction
from app.services.matching import MatchContext
from app.services.tokens import create_token

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/13"
KEY = "cle-des-deux-processus"
#: far above a loaded machine's start-up, far below a hang
START_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _worker(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"le processus s'est arrêté au démarrage (code {process.returncode})")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("le processus n'a pas répondu sur /health")


@pytest.fixture
def two_workers(postgres_url: str) -> Iterator[tuple[str, str]]:
    prefix = f"guichet-test-{uuid.uuid4().hex[:12]}"
    env = {
        "GUICHET_DATABASE_URL": postgres_url,
        "GUICHET_TOKEN_KEY": KEY,
        "GUICHET_REDIS_URL": REDIS_URL,
        "GUICHET_RATE_LIMIT_PREFIX": prefix,
        "GUICHET_RATE_LIMIT_ANONYMOUS": "3/minute",
        "GUICHET_SIRENE_URL": "",
    }
    with ExitStack() as stack:
        urls = []
        for _ in range(2):
            process, url = _worker(env)
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
            urls.append(url)
        yield urls[0], urls[1]
    counters = redis.Redis.from_url(REDIS_URL)
    keys = list(counters.scan_iter(f"{prefix}*"))
    if keys:
        counters.delete(*keys)
    counters.close()


def _case(n: int) -> dict[str, object]:
    return {
        "profile": {"territory": {"commune": "39478"}, "company": {"headcount": 30, "naf": "25.62A"}},
        "scheme_ids": [],
        "contact": {"name": "Essai deux processus", "email": f"essai{n}@exemple.fr", "consent": True},
        "message": f"Demande {n} déposée pour l'essai de deux processus.",
    }


def _lead_token(postgres_url: str, match_context: MatchContext) -> str:
    engine = create_db_engine(postgres_url)
    with transaction(session_factory(engine), writing=True) as session:
        issued = create_token(
            session,
            KEY.encode(),
            role="project_lead",
            holder="Chef de projet du Haut-Jura",
            ti_ids=["haut-jura"],
            region_codes=[],
            known_ti_ids=match_context.territories.perimeters.territories,
            known_region_codes=match_context.territories.geography.regions,
            valid_for=timedelta(days=1),
            now=datetime.now(UTC),
        )
    engine.dispose()
    return issued.token


def test_two_processes_share_the_rate_limit_and_the_cases(
    two_workers: tuple[str, str], postgres_url: str, match_context: MatchContext
) -> None:
    first, second = two_workers

    filed = [httpx.post(f"{url}/v1/cases", json=_case(n)) for n, url in enumerate((first, second, first))]
    over = httpx.post(f"{second}/v1/cases", json=_case(3))

    assert [r.status_code for r in filed] == [201, 201, 201]
    assert over.status_code == 429  # three filings from this address in a minute, counted by both processes
    assert over.headers["content-type"] == "application/problem+json"
    assert "Retry-After" in over.headers

    headers = {"Authorization": f"Bearer {_lead_token(postgres_url, match_context)}"}
    case_id = filed[0].json()["case_id"]
    read = httpx.get(f"{second}/v1/cases/{case_id}", headers=headers)
    assert read.status_code == 200
    moved = httpx.post(
        f"{second}/v1/cases/{case_id}/transitions",
        json={"to": "acknowledged", "version": read.json()["version"]},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert httpx.get(f"{first}/v1/cases/{case_id}", headers=headers).json()["status"] == "acknowledged"
