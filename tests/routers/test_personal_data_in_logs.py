"""No personal data in the logs, whatever fails: a whole case life, on SQLite and PostgreSQL, with
an unexpected exception, a database error and invalid input forced at every step, every logger of
every library listening at DEBUG."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from app.db import session_factory
from app.routers import stats as stats_router
from app.services.cases import filing, transitions
from app.services.outbox import RETRY_DELAYS
from app.services.webhooks import WebhookSender
from app.worker import send_due
from tests.case_desk import Desk, bearer, case_body

NAME = "Ysolde Quintard-Belhomme"
EMAIL = "ysolde.quintard@exemple-prive.fr"
PHONE = "06 71 23 45 98"
MESSAGE = "Message confidentiel Zéphyrin Brocard"
NEEDS_TEXT = "recruter un soudeur, voir avec Anatole Vérignac"
REASON = "Raison confidentielle Brocéliande"
NOTE = "Note interne sur Mme Quintard-Belhomme"
PERSONAL = (NAME, "Quintard", EMAIL, PHONE, "71 23 45 98", MESSAGE, "Zéphyrin", NEEDS_TEXT, "Vérignac", REASON, NOTE)

#: every logger a request can reach, and their parents; the others are found at run time
LOGGERS = ("", "guichet", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "sqlalchemy.engine",
           "sqlalchemy.engine.Engine", "sqlalchemy.pool", "sqlalchemy.orm", "httpx", "httpcore", "fastapi",
           "starlette", "asyncio", "alembic", "psycopg")  # fmt: skip


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The captured records of every logger at DEBUG, those that do not propagate included."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    apart = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in apart:
        logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        for logger in apart:
            logger.removeHandler(caplog.handler)


class Unexpected(RuntimeError):
    """What a bug raises: its message quotes the data it was handling."""


def raising(*_args: Any, **_kwargs: Any) -> Any:
    raise Unexpected(f"panne avec {NAME} <{EMAIL}> {PHONE} : {MESSAGE} / {REASON}")


@contextmanager
def database_error(desk: Desk, table: str) -> Iterator[None]:
    """Every statement that writes `table` fails in the driver, as a full disk or a lost server would."""
    engine = desk.client.app.state.database.engine  # type: ignore[attr-defined]
    dbapi = engine.dialect.dbapi
    # Also within a WITH clause: a filing writes all its rows in one statement on PostgreSQL.
    writes = re.compile(rf"(^|\()\s*(INSERT INTO|UPDATE) {table}\b", re.IGNORECASE)

    def fail(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if writes.search(statement):
            raise dbapi.OperationalError("panne simulée du serveur de base de données")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def the_body() -> dict[str, Any]:
    body = case_body(contact={"name": NAME, "email": EMAIL, "phone": PHONE, "consent": True}, message=MESSAGE)
    body["profile"] = {**body["profile"], "needs_text": NEEDS_TEXT}
    return body


def test_a_case_life_with_failures_at_every_step_writes_no_personal_data_in_the_logs(
    desk: Desk, every_log: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = desk.client
    statuses: list[int] = []

    def call(method: str, url: str, **kwargs: Any) -> Any:
        response = client.request(method, url, **kwargs)
        statuses.append(response.status_code)
        return response

    # Filing: refused input, NUL bytes, a bug, a database failure; then filed.
    call(
        "POST", "/v1/cases", json={**the_body(), "contact": {"name": NAME, "email": "pas-une-adresse", "phone": PHONE}}
    )
    call("POST", "/v1/cases", json={**the_body(), "message": f"{MESSAGE}\x00", "contact": {
        "name": f"{NAME}\x00", "email": EMAIL, "phone": PHONE, "consent": True}})  # fmt: skip
    with monkeypatch.context() as patched:
        patched.setattr(filing, "file_case", raising)
        assert call("POST", "/v1/cases", json=the_body()).status_code == 500
    with database_error(desk, "case_file"):
        assert call("POST", "/v1/cases", json=the_body()).status_code >= 500
    filed = call("POST", "/v1/cases", json=the_body())
    assert filed.status_code == 201, filed.text
    case = f"/v1/cases/{filed.json()['case_id']}"
    applicant = bearer(filed.json()["tracking_token"])
    own = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    admin = bearer(desk.token("admin")[0])

    # Acknowledge: a bug, a database failure, a refused status; then acknowledged.
    with monkeypatch.context() as patched:
        patched.setattr(transitions, "change_status", raising)
        assert (
            call("POST", f"{case}/transitions", json={"to": "acknowledged", "version": 1}, headers=own).status_code
            == 500
        )
    with database_error(desk, "case_file"):
        call("POST", f"{case}/transitions", json={"to": "acknowledged", "version": 1, "note": NOTE}, headers=own)
    call("POST", f"{case}/transitions", json={"to": "nowhere", "version": 1, "note": NOTE}, headers=own)
    assert (
        call("POST", f"{case}/transitions", json={"to": "acknowledged", "version": 1}, headers=own).status_code == 200
    )

    # Note: a bug, a database failure, an empty body, NUL bytes; then written.
    with monkeypatch.context() as patched:
        patched.setattr(transitions, "add_note", raising)
        assert call("POST", f"{case}/notes", json={"body": NOTE}, headers=own).status_code == 500
    with database_error(desk, "case_note"):
        call("POST", f"{case}/notes", json={"body": NOTE}, headers=own)
    call("POST", f"{case}/notes", json={"body": ""}, headers=own)
    call("POST", f"{case}/notes", json={"body": f"{NOTE}\x00"}, headers=own)
    assert call("POST", f"{case}/notes", json={"body": NOTE}, headers=own).status_code == 201

    # Reroute: a bug, a database failure, an unknown queue; then rerouted and back.
    reroute = {"queue_id": "region:76", "reason": REASON, "version": 2}
    with monkeypatch.context() as patched:
        patched.setattr(transitions, "reroute", raising)
        assert call("POST", f"{case}/reroute", json=reroute, headers=own).status_code == 500
    with database_error(desk, "case_file"):
        call("POST", f"{case}/reroute", json=reroute, headers=own)
    call("POST", f"{case}/reroute", json={**reroute, "queue_id": f"ti:{NAME}"}, headers=own)
    assert call("POST", f"{case}/reroute", json=reroute, headers=admin).status_code == 200
    back = {"queue_id": "ti:gers-tarn-et-garonne", "reason": REASON, "version": 3}
    assert call("POST", f"{case}/reroute", json=back, headers=admin).status_code == 200

    # Withdraw while open: a bug, a database failure, a stale version.
    withdraw = {"reason": REASON}
    with monkeypatch.context() as patched:
        patched.setattr(transitions, "withdraw", raising)
        assert call("POST", f"{case}/withdraw", json=withdraw, headers=applicant).status_code == 500
    with database_error(desk, "case_file"):
        call("POST", f"{case}/withdraw", json=withdraw, headers=applicant)
    call("POST", f"{case}/withdraw", json={**withdraw, "version": 99}, headers=applicant)

    # Decline: no reason, "autre" without explanation; then declined.
    decline = {"to": "declined", "version": 4, "note": NOTE}
    call("POST", f"{case}/transitions", json=decline, headers=own)
    call("POST", f"{case}/transitions", json={**decline, "decline_reason": "autre"}, headers=own)
    explained = {**decline, "decline_reason": "autre", "explanation": REASON}
    declined = call("POST", f"{case}/transitions", json=explained, headers=own)
    assert declined.status_code == 200, declined.text

    # Withdraw once declined: refused.
    assert call("POST", f"{case}/withdraw", json=withdraw, headers=applicant).status_code == 409

    # Reading: the detail, the list, the statistics and their CSV; with a bug in the statistics.
    for who in (own, admin, applicant):
        call("GET", case, headers=who)
    call("GET", "/v1/cases", headers=own)
    with monkeypatch.context() as patched:
        patched.setattr(stats_router, "case_stats", raising)
        assert call("GET", "/v1/stats", headers=own).status_code == 500
        assert call("GET", "/v1/stats", params={"format": "csv"}, headers=own).status_code == 500
    assert call("GET", "/v1/stats", headers=own).status_code == 200
    assert call("GET", "/v1/stats", params={"format": "csv"}, headers=own).status_code == 200

    # The failures did happen and were logged (the test would see a leak), with where they arose.
    # Each forced bug is a 500; each forced database failure, the database being unavailable: 503.
    assert statuses.count(500) >= 7
    assert 503 in statuses
    assert {400, 404, 409, 422} & set(statuses)
    errors = [r for r in every_log.records if r.name == "guichet.errors"]
    assert len(errors) >= statuses.count(500)
    assert any("Unexpected" in r.getMessage() and "raising" in r.getMessage() for r in errors)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in every_log.records)
    assert every_log.records, "nothing was captured: the test could not see a leak"
    for value in PERSONAL:
        assert value not in logged
        assert value.lower() not in logged.lower()


def test_the_unexpected_error_log_keeps_the_kind_and_frames_of_the_exception_not_its_message(
    desk: Desk, every_log: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filing, "file_case", raising)
    response = desk.client.post("/v1/cases", json=the_body())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Une erreur inattendue est survenue ; elle a été journalisée."
    (record,) = [r for r in every_log.records if r.name == "guichet.errors"]
    text = record.getMessage()
    assert "POST /v1/cases" in text
    assert f"{__name__}.Unexpected (message non journalisé)" in text
    assert "in raising" in text
    assert "test_personal_data_in_logs.py" in text
    assert EMAIL not in text
    assert record.exc_info is None


def test_a_database_error_logs_neither_the_statement_s_parameters_nor_the_request(
    desk: Desk, every_log: pytest.LogCaptureFixture
) -> None:
    with database_error(desk, "case_file"):
        response = desk.client.post("/v1/cases", json=the_body())
    assert response.status_code >= 500
    text = every_log.text
    assert "OperationalError" in text
    for value in PERSONAL:
        assert value not in text


def test_a_partner_s_case_life_and_its_webhooks_write_no_personal_data_in_the_logs(
    desk: Desk, every_log: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, _ = desk.partner()
    partner = {**bearer(key), "Idempotency-Key": "depot-1"}
    registered = desk.client.put(
        "/v1/partner/webhooks", json={"endpoints": [{"url": "https://partenaire.invalid/hook"}]}, headers=bearer(key)
    )
    assert registered.status_code == 200
    with database_error(desk, "case_file"):
        assert desk.client.post("/v1/cases", json=the_body(), headers=partner).status_code >= 500
    with monkeypatch.context() as patched:
        patched.setattr(filing, "file_case", raising)
        assert desk.client.post("/v1/cases", json=the_body(), headers=partner).status_code == 500
    filed = desk.client.post("/v1/cases", json=the_body(), headers=partner)
    assert filed.status_code == 201, filed.text
    assert desk.client.post("/v1/cases", json=the_body(), headers=partner).headers["idempotent-replayed"] == "true"
    assert desk.client.post("/v1/cases", json=the_body(), headers=bearer(key)).status_code == 409
    case_id = filed.json()["case_id"]
    withdrawn = desk.client.post(f"/v1/partner/cases/{case_id}/withdraw", json={"reason": REASON}, headers=bearer(key))
    assert withdrawn.status_code == 200
    # The worker tries the endpoint (a name that resolves to nothing) and logs the failures.
    for _ in range(len(RETRY_DELAYS) + 1):
        send_due(session_factory(desk.database.engine), {"webhook": WebhookSender(allow_local=False)}, desk.clock)
        desk.clock.advance(hours=9)
    admin = bearer(desk.token("admin")[0])
    assert desk.client.post("/v1/personal-data/export", json={"email": EMAIL}, headers=admin).status_code == 200
    assert desk.client.post("/v1/personal-data/erase", json={"email": EMAIL}, headers=admin).status_code == 200

    assert any(r.name == "guichet.outbox" for r in every_log.records), "the failed deliveries were logged"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in every_log.records)
    for value in PERSONAL:
        assert value not in logged
        assert value.lower() not in logged.lower()
