"""The outbox's delivery worker against a real webhook receiver on 127.0.0.1: signed events of a
partner's cases, delivered once and in order per case, retried with backoff, given up after about
24 hours (the endpoint then failing), redelivered on request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from app.clock import utc_now
from app.db import session_factory
from app.services.matching import MatchContext
from app.services.outbox import RETRY_DELAYS, SendReport
from app.services.webhooks import WebhookSender
from app.worker import run, send_due
from tests.case_desk import Desk, bearer, case_body, desk_with
from tests.databases import Database
from tests.webhook_receiver import Receiver, running_receiver


@pytest.fixture
def partner_desk(database: Database, match_context: MatchContext, tmp_path: Path) -> Iterator[Desk]:
    desk_iter = desk_with(database, match_context, tmp_path, webhook_allow_local=True)
    desk = next(desk_iter)
    # Standard Webhooks receivers refuse a timestamp more than 5 minutes from their own clock.
    desk.clock.now = utc_now()
    yield desk
    next(desk_iter, None)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def send(desk: Desk) -> SendReport:
    return send_due(session_factory(desk.database.engine), {"webhook": WebhookSender(allow_local=True)}, desk.clock)


def register(desk: Desk, key: str, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = desk.client.put(
        "/v1/partner/webhooks", json={"endpoints": [{"url": url, "events": events or []}]}, headers=bearer(key)
    )
    assert response.status_code == 200, response.text
    endpoint: dict[str, Any] = response.json()["endpoints"][0]
    return endpoint


def file_and_acknowledge(desk: Desk, key: str) -> str:
    filed = desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))
    assert filed.status_code == 201, filed.text
    case_id: str = filed.json()["case_id"]
    staff = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    moved = desk.client.post(
        f"/v1/cases/{case_id}/transitions", json={"to": "acknowledged", "version": 1}, headers=staff
    )
    assert moved.status_code == 200
    return case_id


def verified(receiver: Receiver, secret: str) -> list[dict[str, Any]]:
    """Each request's payload, once its Standard Webhooks signature is verified (raises otherwise)."""
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.requests()]


def test_events_are_signed_and_carry_no_personal_data(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner()
    endpoint = register(partner_desk, key, receiver.url + "/guichet")
    case_id = file_and_acknowledge(partner_desk, key)

    report = send(partner_desk)

    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    payloads = verified(receiver, endpoint["secret"])
    assert [p["type"] for p in payloads] == ["case.filed", "case.status_changed"]
    assert [(p["data"]["case_id"], p["data"]["status"], p["data"]["version"]) for p in payloads] == [
        (case_id, "submitted", 1),
        (case_id, "acknowledged", 2),
    ]
    assert {r.path for r in receiver.requests()} == {"/guichet"}
    for request in receiver.requests():
        for personal in (b"Camille", b"camille.exemple", b"05 62", b"technicien"):
            assert personal not in request.body
    forged = receiver.requests()[0]
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint["secret"]).verify(forged.body.replace(b"submitted", b"accepted"), forged.headers)
    assert send(partner_desk).attempted == 0  # nothing left: each event is delivered once


def test_a_receiver_down_then_up_gets_each_event_once_and_in_order(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner()
    endpoint = register(partner_desk, key, receiver.url)
    case_id = file_and_acknowledge(partner_desk, key)
    receiver.status = 500

    down = send(partner_desk)
    too_soon = send(partner_desk)  # the retry waits for its delay
    receiver.status = 204
    partner_desk.clock.advance(seconds=RETRY_DELAYS[0].total_seconds() + 1)
    up = send(partner_desk)

    # Down: the first event failed; the second waited behind it (same case, same endpoint).
    assert (down.sent, down.retried) == (0, 1)
    assert too_soon.attempted == 0
    assert up.sent == 2
    delivered = receiver.requests()[1:]
    payloads = [json.loads(r.body) for r in delivered]
    assert [(p["type"], p["data"]["case_id"]) for p in payloads] == [
        ("case.filed", case_id),
        ("case.status_changed", case_id),
    ]
    ids = [r.headers["webhook-id"] for r in receiver.requests()]
    assert ids[0] == ids[1]  # the retry is the same message: receivers deduplicate on webhook-id
    assert verified(receiver, endpoint["secret"])


def test_an_endpoint_that_never_answers_is_marked_failing_and_a_redelivery_is_sent(
    partner_desk: Desk, receiver: Receiver
) -> None:
    key, _ = partner_desk.partner()
    register(partner_desk, key, receiver.url, ["case.filed"])
    partner_desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))
    receiver.status = 500

    attempts = 0
    for delay in (*RETRY_DELAYS, None):
        attempts += send(partner_desk).attempted
        if delay is not None:
            partner_desk.clock.advance(seconds=delay.total_seconds() + 1)
    failed = partner_desk.client.get("/v1/partner/webhooks/deliveries", params={"failed": True}, headers=bearer(key))
    endpoints = partner_desk.client.get("/v1/partner/webhooks", headers=bearer(key)).json()["endpoints"]

    assert attempts == len(RETRY_DELAYS) + 1
    assert len(receiver.requests()) == attempts
    [delivery] = failed.json()["deliveries"]
    assert (delivery["event"], delivery["attempts"], delivery["last_error"]) == (
        "case.filed",
        attempts,
        "statut HTTP 500",
    )
    assert endpoints[0]["failing_since"] is not None
    # A failing endpoint receives nothing more, even a new event…
    partner_desk.client.post("/v1/cases", json=case_body("39478"), headers=bearer(key))
    assert send(partner_desk).attempted == 0

    receiver.status = 204
    partner_desk.clock.now = utc_now()
    again = partner_desk.client.post(f"/v1/partner/webhooks/deliveries/{delivery['id']}/redeliver", headers=bearer(key))
    report = send(partner_desk)

    assert again.status_code == 200, again.text
    assert report.sent == 2  # the redelivered event, then the one that waited
    assert partner_desk.client.get(
        "/v1/partner/webhooks/deliveries", params={"failed": True}, headers=bearer(key)
    ).json() == {"deliveries": []}


def test_a_redirect_is_never_followed(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner()
    register(partner_desk, key, receiver.url, ["case.filed"])
    partner_desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))
    receiver.status = 302

    report = send(partner_desk)

    assert report.retried == 1
    assert report.errors[0].endswith("statut HTTP 302")
    assert [r.path for r in receiver.requests()] == ["/"]


def test_a_case_filed_without_a_partner_sends_nothing(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner()
    register(partner_desk, key, receiver.url)
    partner_desk.filed()
    assert send(partner_desk).attempted == 0
    assert receiver.requests() == []


def test_another_partner_cannot_redeliver_a_delivery(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner("CCI Occitanie")
    other, _ = partner_desk.partner("Bpifrance")
    register(partner_desk, key, receiver.url, ["case.filed"])
    partner_desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))
    [delivery] = partner_desk.client.get("/v1/partner/webhooks/deliveries", headers=bearer(key)).json()["deliveries"]
    refused = partner_desk.client.post(
        f"/v1/partner/webhooks/deliveries/{delivery['id']}/redeliver", headers=bearer(other)
    )
    assert refused.status_code == 404


def test_the_worker_loop_delivers_at_each_turn_until_stopped(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner()
    register(partner_desk, key, receiver.url, ["case.filed"])
    partner_desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))
    turns: list[int] = []

    def stop() -> bool:
        turns.append(1)
        return len(turns) > 2

    run(
        session_factory(partner_desk.database.engine),
        {"webhook": WebhookSender(allow_local=True)},
        partner_desk.clock,
        interval_seconds=0,
        should_stop=stop,
    )

    assert len(receiver.requests()) == 1  # two turns, one delivery


def test_what_was_still_to_be_sent_to_a_removed_endpoint_is_given_up(partner_desk: Desk, receiver: Receiver) -> None:
    key, _ = partner_desk.partner()
    register(partner_desk, key, receiver.url + "/ancienne", ["case.filed"])
    partner_desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))
    register(partner_desk, key, receiver.url + "/nouvelle", ["case.filed"])
    partner_desk.client.post("/v1/cases", json=case_body("39478"), headers=bearer(key))

    report = send(partner_desk)
    failed = partner_desk.client.get("/v1/partner/webhooks/deliveries", params={"failed": True}, headers=bearer(key))
    [given_up] = failed.json()["deliveries"]
    again = partner_desk.client.post(f"/v1/partner/webhooks/deliveries/{given_up['id']}/redeliver", headers=bearer(key))

    assert report.sent == 1
    assert [r.path for r in receiver.requests()] == ["/nouvelle"]
    assert given_up["last_error"] == "adresse retirée par le partenaire"
    assert again.status_code == 409
    assert again.json()["type"].endswith("adresse-retiree")
