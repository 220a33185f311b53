"""Idempotency-Key on partners' POSTs (IETF httpapi draft, Stripe's behaviour): the first answer
replayed, another body refused, a key in flight refused, concurrent requests filing one case."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

from sqlalchemy import func, select

from app.db import session_factory, transaction
from app.models import CaseFile
from app.services import idempotency
from tests.case_desk import LYON, Desk, bearer, case_body


def headers(key: str, idempotency_key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": idempotency_key}


def cases_in(desk: Desk) -> int:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return session.scalar(select(func.count()).select_from(CaseFile)) or 0


def test_the_same_key_and_body_replays_the_first_answer_and_files_once(desk: Desk) -> None:
    key, _ = desk.partner()
    first = desk.client.post("/v1/cases", json=case_body(), headers=headers(key, "depot-1"))
    desk.clock.advance(hours=23)
    # The same JSON, keys in another order: the same request.
    reordered = dict(reversed(list(case_body().items())))
    again = desk.client.post("/v1/cases", json=reordered, headers=headers(key, "depot-1"))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert cases_in(desk) == 1


def test_the_same_key_with_another_body_is_a_422_and_files_nothing(desk: Desk) -> None:
    key, _ = desk.partner()
    assert desk.client.post("/v1/cases", json=case_body(), headers=headers(key, "depot-1")).status_code == 201

    other = desk.client.post("/v1/cases", json=case_body(LYON), headers=headers(key, "depot-1"))

    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert cases_in(desk) == 1


def test_a_key_whose_first_request_still_runs_is_a_409(desk: Desk) -> None:
    key, partner_id = desk.partner()
    body = case_body()
    digest = idempotency.request_digest("POST /v1/cases?", _json_bytes(desk, body))
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        assert idempotency.reserve(session, partner_id, "depot-1", digest, desk.clock.now) is None

    response = desk.client.post("/v1/cases", json=body, headers=headers(key, "depot-1"))

    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("requete-en-cours")
    assert cases_in(desk) == 0
    # A reservation left by a request that died is taken over once it is old.
    desk.clock.advance(minutes=3)
    assert desk.client.post("/v1/cases", json=body, headers=headers(key, "depot-1")).status_code == 201


def _json_bytes(desk: Desk, body: dict[str, Any]) -> bytes:
    request = desk.client.build_request("POST", "/v1/cases", json=body)
    return request.read()


def test_keys_belong_to_their_partner_and_expire_after_24_hours(desk: Desk) -> None:
    mine, _ = desk.partner("CCI Occitanie")
    theirs, _ = desk.partner("Bpifrance")
    assert desk.client.post("/v1/cases", json=case_body(), headers=headers(mine, "k")).status_code == 201
    assert desk.client.post("/v1/cases", json=case_body(), headers=headers(theirs, "k")).status_code == 201
    desk.clock.advance(hours=25)
    later = desk.client.post("/v1/cases", json=case_body(), headers=headers(mine, "k"))
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert cases_in(desk) == 3


def test_a_failed_request_releases_its_key(desk: Desk) -> None:
    key, _ = desk.partner()
    refused = desk.client.post("/v1/cases", json=case_body(scheme_ids=["inconnu"]), headers=headers(key, "k"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "scheme_ids[0]"
    accepted = desk.client.post("/v1/cases", json=case_body(), headers=headers(key, "k"))
    assert accepted.status_code == 201


def test_an_unusable_key_is_a_422_naming_the_header(desk: Desk) -> None:
    key, _ = desk.partner()
    response = desk.client.post("/v1/cases", json=case_body(), headers=headers(key, "x" * 256))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_two_concurrent_identical_requests_file_exactly_one_case(desk: Desk) -> None:
    key, _ = desk.partner()
    together = Barrier(4)

    def post(_: int) -> Any:
        together.wait()
        return desk.client.post("/v1/cases", json=case_body(), headers=headers(key, "course"))

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(post, range(4)))

    statuses = sorted(r.status_code for r in responses)
    assert cases_in(desk) == 1
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = {r.json()["case_id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert sum(r.status_code == 201 and "idempotent-replayed" not in r.headers for r in responses) == 1


def test_the_partner_withdrawal_is_idempotent_too(desk: Desk) -> None:
    key, _ = desk.partner()
    case_id = desk.client.post("/v1/cases", json=case_body(), headers=bearer(key)).json()["case_id"]
    path = f"/v1/partner/cases/{case_id}/withdraw"

    first = desk.client.post(path, json={"reason": "Renonce"}, headers=headers(key, "retrait"))
    again = desk.client.post(path, json={"reason": "Renonce"}, headers=headers(key, "retrait"))
    unkeyed = desk.client.post(path, json={"reason": "Renonce"}, headers=bearer(key))

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert unkeyed.status_code == 409  # withdrawn already: only the keyed repeat is a replay


def test_an_applicant_s_idempotency_key_is_ignored(desk: Desk) -> None:
    first = desk.client.post("/v1/cases", json=case_body(), headers={"Idempotency-Key": str(uuid.uuid4())})
    assert first.status_code == 201
    assert cases_in(desk) == 1
