"""Cases over HTTP, on SQLite and PostgreSQL (run by hand: `python -m bench.cases [sqlite] [postgresql]`).

One uvicorn worker of the real service per database, started side by side. In the same run:
- filing: POST /v1/cases against POST /v1/match of the same profile (the match is the part of a
  filing that is not storage), 8 connections: requests/s, p50, p99 and the ratio. The request asks
  for two schemes and its queue has a chef de projet, as a real one does: a filing writes the case,
  two scheme rows, its event and two e-mails (the applicant's receipt, the queue's notice). On
  PostgreSQL, also against the same rows (those of the last real filing) inserted by plain psycopg,
  one transaction per case, from as many connections: the limit of storage alone;
- the queue: GET /v1/cases (page of 25, oldest first), with the overdue filter, and GET /v1/stats,
  for a queue of 100 then 10,000 cases (other queues hold as many again): p50 and the ratio of the
  two sizes, which says how the triage pages grow with the number of cases.
Figures are printed, never asserted.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from app.db import create_db_engine, session_factory, transaction
from app.migrate import upgrade
from app.models import CaseEvent, CaseFile, CaseScheme
from app.services.matching import load_match_context
from app.services.staff import add_staff
from app.services.tokens import create_token
from app.settings import get_settings
from bench.match_http import free_port, start
from bench.profiles import MATCH_PROFILE

SECONDS = 4
CONNECTIONS = 8
QUEUE_SIZES = (100, 10_000)
KEY = "cle-du-banc-d-essai"
POSTGRES = os.environ.get("GUICHET_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Filed in Lyon (regional queue 84), so that the measured queue (Gers) holds the seeded cases only;
# two schemes asked for, as an SME does, so that a filing writes its scheme rows too.
CASE = {
    "profile": {**MATCH_PROFILE, "territory": {"commune": "69123"}},
    "scheme_ids": ["vte", "pret-croissance-industrie"],
    "contact": {"name": "Banc d'essai", "email": "banc@exemple.fr", "consent": True},
    "message": "Demande du banc d'essai.",
}


def hammer(port: int, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> list[float]:
    """Requests from CONNECTIONS keep-alive connections for SECONDS; the latencies in ms."""
    payload = json.dumps(body).encode() if body is not None else None
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.monotonic() < stop:
            began = time.perf_counter()
            connection.request(method, path, payload, {"content-type": "application/json", **headers})
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"{method} {path}: {response.status}")
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def figures(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    return len(ordered) / SECONDS, statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def seed(url: str, count: int, queue_id: str, ti_id: str | None) -> None:
    """`count` copies of a filed case in `queue_id`, filed over the last 60 days, two in three of
    them acknowledged."""
    engine = create_db_engine(url)
    with transaction(session_factory(engine), writing=True) as session:
        model = session.scalars(select(CaseFile).limit(1)).one()
        # The columns the database computes (the delay to acknowledgement) are not written.
        row = {c.key: getattr(model, c.key) for c in CaseFile.__table__.columns if c.computed is None}
        now = datetime.now(UTC)
        for start_at in range(0, count, 1000):
            cases, schemes, events = [], [], []
            for i in range(start_at, min(count, start_at + 1000)):
                case_id = uuid.uuid4()
                filed_at = now - timedelta(minutes=(i * 8641) % (60 * 24 * 60))
                status = ("submitted", "acknowledged", "in_review")[i % 3]
                # Acknowledged within 1 to 120 hours (never after now): the median has delays to read.
                acknowledged_at = (
                    None if status == "submitted" else min(now, filed_at + timedelta(hours=1 + i * 37 % 120))
                )
                cases.append(
                    row
                    | {
                        "id": case_id,
                        "queue_id": queue_id,
                        "ti_id": ti_id,
                        "tracking_digest": uuid.uuid4().hex,
                        "submitted_at": filed_at,
                        "acknowledged_at": acknowledged_at,
                        "last_event_at": acknowledged_at or filed_at,
                        "status": status,
                        "routing": copy.deepcopy(row["routing"]),
                    }
                )
                schemes.append(
                    {
                        "case_id": case_id,
                        "scheme_id": "vte",
                        "position": 0,
                        "verdict": "undetermined",
                        "acknowledged_ineligible": False,
                        "result": {"name": "VTE"},
                    }
                )
                events.append(
                    {
                        "case_id": case_id,
                        "occurred_at": filed_at,
                        "kind": "filed",
                        "actor_kind": "applicant",
                        "actor_label": "Demandeur",
                        "to_status": "submitted",
                        "detail": {},
                        "version": 1,
                    }
                )
            session.execute(insert(CaseFile), cases)
            session.execute(insert(CaseScheme), schemes)
            session.execute(insert(CaseEvent), events)
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table that grew (it runs within a minute): statistics, and the
        # visibility map without which no index-only scan is one.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


#: the tables a filing writes, each with its column naming the case
FILING_TABLES = (
    ("case_file", "id"),
    ("case_scheme", "case_id"),
    ("case_event", "case_id"),
    ("outbox_message", "case_id"),
)
#: columns the database numbers or computes itself
GENERATED = {"case_scheme": {"id"}, "case_event": {"id"}, "case_file": {"hours_to_acknowledgement"}}


def _filing_rows(url: str) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(table, column naming the case, rows) of the last case filed, serial ids left out."""
    engine = create_db_engine(url)
    with engine.connect() as connection:
        case_id = connection.execute(text("SELECT id FROM case_file ORDER BY submitted_at DESC LIMIT 1")).scalar_one()
        found = []
        for table, link in FILING_TABLES:
            rows = connection.execute(text(f"SELECT * FROM {table} WHERE {link} = :case"), {"case": case_id})
            kept = [{k: v for k, v in r._mapping.items() if k not in GENERATED.get(table, set())} for r in rows]
            if kept:
                found.append((table, link, kept))
    engine.dispose()
    return found


def plain_sql_filing(url: str) -> tuple[float, str]:
    """Cases per second when the rows of one real filing are inserted again by plain psycopg, one
    transaction per case, from CONNECTIONS connections: a new case id (and the keys made of it, such
    as an e-mail's dedupe key), tracking digest and message ids, every other value as filed. Also
    says which rows a case is made of (table and count)."""
    import psycopg
    from psycopg.types.json import Json

    tables = _filing_rows(url)
    filed_id = str(tables[0][2][0]["id"])
    statements = {
        table: f"INSERT INTO {table} ({', '.join(rows[0])}) VALUES ({', '.join(['%s'] * len(rows[0]))})"
        for table, _, rows in tables
    }

    def fresh(table: str, link: str, row: dict[str, Any], case_id: uuid.UUID) -> list[Any]:
        row = {k: v.replace(filed_id, str(case_id)) if isinstance(v, str) else v for k, v in row.items()}
        row[link] = case_id
        if table == "case_file":
            row["tracking_digest"] = uuid.uuid4().hex
        elif "id" in row:
            row["id"] = uuid.uuid4()
        return [Json(v) if isinstance(v, dict | list) else v for v in row.values()]  # json columns, as filed

    count = 0
    failures: list[BaseException] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def worker() -> None:
        nonlocal count
        done = 0
        try:
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
                while time.monotonic() < stop:
                    case_id = uuid.uuid4()
                    with connection.transaction():
                        for table, link, rows in tables:
                            for row in rows:
                                connection.execute(statements[table], fresh(table, link, row, case_id))
                    done += 1
        except BaseException as exc:  # said by the main thread: a failed baseline is no figure
            failures.append(exc)
        with lock:
            count += done

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("plain psycopg filing failed") from failures[0]
    return count / SECONDS, ", ".join(f"{table} {len(rows)}" for table, _, rows in tables)


def queue_member(url: str) -> None:
    """A chef de projet of the filing queue (region 84): a filing tells them, as a real one does."""
    engine = create_db_engine(url)
    context = load_match_context(get_settings())
    with transaction(session_factory(engine), writing=True) as session:
        add_staff(
            session,
            email="chef.de.projet@exemple.fr",
            name="Chef de projet du banc d'essai",
            role="project_lead",
            ti_ids=[],
            region_codes=["84"],
            known_ti_ids=context.territories.perimeters.territories,
            known_region_codes=context.territories.geography.regions,
            now=datetime.now(UTC),
        )
    engine.dispose()


def lead_token(url: str) -> str:
    engine = create_db_engine(url)
    context = load_match_context(get_settings())
    with transaction(session_factory(engine), writing=True) as session:
        issued = create_token(
            session,
            KEY.encode(),
            role="project_lead",
            holder="Banc d'essai",
            ti_ids=["gers-tarn-et-garonne"],
            region_codes=[],
            known_ti_ids=context.territories.perimeters.territories,
            known_region_codes=context.territories.geography.regions,
            valid_for=timedelta(days=1),
            now=datetime.now(UTC),
        )
    engine.dispose()
    return issued.token


def bench_database(name: str, url: str) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    queue_member(url)
    os.environ["GUICHET_DATABASE_URL"] = url
    os.environ["GUICHET_TOKEN_KEY"] = KEY
    os.environ["GUICHET_SIRENE_URL"] = ""
    # One client address files thousands of cases: the anonymous limit would answer 429 instead.
    os.environ["GUICHET_RATE_LIMIT_ANONYMOUS"] = "1000000/second"
    port = free_port()
    server = start("app.main:create_app", port)
    try:
        match = figures(hammer(port, "POST", "/v1/match", MATCH_PROFILE, {}))
        filing = figures(hammer(port, "POST", "/v1/cases", CASE, {}))
        print(f"\n{name}")
        print(f"  POST /v1/match   {match[0]:7.0f} req/s   p50 {match[1]:6.1f} ms   p99 {match[2]:6.1f} ms")
        print(f"  POST /v1/cases   {filing[0]:7.0f} req/s   p50 {filing[1]:6.1f} ms   p99 {filing[2]:6.1f} ms")
        print(f"  ratio filing / match (req/s): {filing[0] / match[0]:.2f}")
        if url.startswith("postgresql"):
            plain, rows = plain_sql_filing(url)
            print(f"  plain psycopg, same rows  {plain:7.0f} cases/s ({CONNECTIONS} connections, a transaction each)")
            print(f"    rows of a case: {rows}")
            print(f"  ratio filing / plain SQL: {filing[0] / plain:.2f} (target >= 0.5)")
        headers = {"Authorization": f"Bearer {lead_token(url)}"}
        # Each size: as many cases again in another queue, then the measured (Gers) queue.
        seeded = 0
        results: dict[int, dict[str, float]] = {}
        for size in QUEUE_SIZES:
            seed(url, size, "region:84", None)
            seed(url, size - seeded, "ti:gers-tarn-et-garonne", "gers-tarn-et-garonne")
            seeded = size
            results[size] = {
                path: figures(hammer(port, "GET", path, None, headers))[1]
                for path in ("/v1/cases", "/v1/cases?overdue=true", "/v1/stats")
            }
        small, large = QUEUE_SIZES
        for path in results[small]:
            a, b = results[small][path], results[large][path]
            print(f"  GET {path:<24} p50 {a:6.1f} ms at {small:>6} cases, {b:6.1f} ms at {large:>6}: x{b / a:.1f}")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    chosen = sys.argv[1:] or ["sqlite", "postgresql"]
    if "sqlite" in chosen:
        with tempfile.TemporaryDirectory() as directory:
            bench_database("SQLite", f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
    if "postgresql" in chosen:
        bench_postgresql()


def bench_postgresql() -> None:
    admin = create_db_engine(POSTGRES).execution_options(isolation_level="AUTOCOMMIT")
    name = f"guichet_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        bench_database("PostgreSQL", POSTGRES.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
