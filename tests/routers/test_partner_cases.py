"""Partners file requests on behalf of SMEs and follow them: their own cases only, without the
queue's notes or the staff's names; lists paginated and filtered for an incremental sync; the
access matrix extended to partner keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import session_factory, transaction
from app.errors import InvalidInput
from app.models import PartnerKey
from app.services.matching import MatchContext
from app.services.partners import revoke_key
from app.services.tokens import token_digest
from tests.case_desk import LYON, SAINT_CLAUDE, Desk, bearer, case_body, desk_with
from tests.databases import Database

MISSING = "00000000-0000-4000-8000-000000000000"
STAFF_HOLDER = "Chargée de mission PETR"
INTERNAL_NOTE = "Appeler le dirigeant avant jeudi"


def file_as(desk: Desk, key: str, commune: str = "32160", **overrides: Any) -> dict[str, Any]:
    response = desk.client.post("/v1/cases", json=case_body(commune, **overrides), headers=bearer(key))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_partner_files_on_behalf_of_an_sme_and_the_queue_sees_it_came_from_the_partner(desk: Desk) -> None:
    key, _ = desk.partner("CCI Occitanie")
    filed = file_as(desk, key)
    own = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])

    anonymous = desk.filed()
    detail = desk.client.get(f"/v1/cases/{filed['case_id']}", headers=own).json()
    listed = desk.client.get("/v1/cases", headers=own).json()["items"]
    anonymous_detail = desk.client.get(f"/v1/cases/{anonymous['case_id']}", headers=own).json()

    assert (detail["source"], detail["partner"]) == ("partner", "CCI Occitanie")
    assert {i["id"]: (i["source"], i["partner"]) for i in listed} == {
        filed["case_id"]: ("partner", "CCI Occitanie"),
        anonymous["case_id"]: ("applicant", None),
    }
    assert (anonymous_detail["source"], anonymous_detail["partner"]) == ("applicant", None)
    assert detail["history"][0]["actor"] == "Partenaire : CCI Occitanie"


def test_a_partner_reads_its_case_status_timeline_and_decline_reason_never_notes_nor_staff_names(desk: Desk) -> None:
    key, _ = desk.partner()
    filed = file_as(desk, key)
    case = f"/v1/cases/{filed['case_id']}"
    staff = bearer(desk.token(ti=("gers-tarn-et-garonne",), holder=STAFF_HOLDER)[0])
    assert desk.client.post(f"{case}/notes", json={"body": INTERNAL_NOTE}, headers=staff).status_code == 201
    declined = desk.client.post(
        f"{case}/transitions",
        json={"to": "declined", "version": 1, "decline_reason": "hors_territoire", "explanation": "Hors champ"},
        headers=staff,
    )
    assert declined.status_code == 200, declined.text

    response = desk.client.get(f"/v1/partner/cases/{filed['case_id']}", headers=bearer(key))

    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["status"] == "declined"
    assert [e["status"] for e in seen["history"]] == ["submitted", "declined"]
    assert (seen["decline_reason"], seen["explanation"]) == ("hors_territoire", "Hors champ")
    assert response.headers["etag"] == '"2"'
    for hidden in (STAFF_HOLDER, INTERNAL_NOTE, "camille.exemple@entreprise-test.fr"):
        assert hidden not in response.text


def test_another_partner_s_case_is_a_404_exactly_like_a_missing_case(desk: Desk) -> None:
    mine, _ = desk.partner("CCI Occitanie")
    theirs, _ = desk.partner("Bpifrance")
    other = file_as(desk, theirs)

    for path in ("/v1/partner/cases/{}", "/v1/partner/cases/{}/withdraw"):
        method = "POST" if path.endswith("withdraw") else "GET"
        refused = desk.client.request(method, path.format(other["case_id"]), headers=bearer(mine))
        missing = desk.client.request(method, path.format(MISSING), headers=bearer(mine))
        assert refused.status_code == missing.status_code == 404
        for member in ("type", "title", "status"):
            assert refused.json()[member] == missing.json()[member]
    assert desk.client.get("/v1/partner/cases", headers=bearer(mine)).json() == {"items": [], "next": None}
    # The refused withdrawal changed nothing.
    assert desk.client.get(f"/v1/partner/cases/{other['case_id']}", headers=bearer(theirs)).json()["version"] == 1


def test_a_partner_withdraws_the_request_it_filed(desk: Desk) -> None:
    key, _ = desk.partner()
    filed = file_as(desk, key)

    response = desk.client.post(
        f"/v1/partner/cases/{filed['case_id']}/withdraw", json={"reason": "L'entreprise renonce"}, headers=bearer(key)
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert response.json()["can_withdraw"] is False
    again = desk.client.post(f"/v1/partner/cases/{filed['case_id']}/withdraw", headers=bearer(key))
    assert again.status_code == 409


def test_the_partner_list_is_paginated_with_a_next_link_and_filtered_for_an_incremental_sync(desk: Desk) -> None:
    key, _ = desk.partner()
    ids: list[str] = []
    for _ in range(5):
        ids.append(file_as(desk, key, message=f"Demande {len(ids)}")["case_id"])
        desk.clock.advance(minutes=1)
    since = desk.clock.now.isoformat()
    staff = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    moved = desk.client.post(
        f"/v1/cases/{ids[0]}/transitions", json={"to": "acknowledged", "version": 1}, headers=staff
    )
    assert moved.status_code == 200

    pages, link = [], "/v1/partner/cases?per_page=2"
    while link:
        page = desk.client.get(link, headers=bearer(key))
        assert page.status_code == 200, page.text
        pages.append([i["id"] for i in page.json()["items"]])
        link = page.json()["next"]
    changed = desk.client.get("/v1/partner/cases", params={"updated_since": since}, headers=bearer(key)).json()
    acknowledged = desk.client.get("/v1/partner/cases", params={"status": "acknowledged"}, headers=bearer(key)).json()

    # least recently updated first: the acknowledged case comes last
    assert pages == [ids[1:3], ids[3:5], ids[:1]]
    assert [i["id"] for i in changed["items"]] == [ids[0]]
    assert [i["id"] for i in acknowledged["items"]] == [ids[0]]
    too_many = desk.client.get("/v1/partner/cases", params={"per_page": 101}, headers=bearer(key))
    assert too_many.status_code == 422


def test_updated_since_needs_a_time_zone_and_a_cursor_must_be_one_the_service_gave(desk: Desk) -> None:
    key, _ = desk.partner()
    naive = desk.client.get("/v1/partner/cases", params={"updated_since": "2026-11-30T09:00:00"}, headers=bearer(key))
    forged = desk.client.get("/v1/partner/cases", params={"after": "pas-un-curseur"}, headers=bearer(key))
    assert naive.status_code == forged.status_code == 422
    assert naive.json()["errors"][0]["field"] == "updated_since"
    assert forged.json()["errors"][0]["field"] == "after"


def test_the_same_request_from_a_partner_within_ten_minutes_is_a_409_naming_the_case(desk: Desk) -> None:
    key, _ = desk.partner()
    first = file_as(desk, key)
    desk.clock.advance(minutes=9)

    again = desk.client.post("/v1/cases", json=case_body(), headers=bearer(key))

    assert again.status_code == 409, again.text
    assert again.json()["case_id"] == first["case_id"]
    assert again.json()["type"].endswith("demande-en-double")
    other_body = desk.client.post("/v1/cases", json=case_body(LYON), headers=bearer(key))
    assert other_body.status_code == 201
    desk.clock.advance(minutes=2)
    assert desk.client.post("/v1/cases", json=case_body(), headers=bearer(key)).status_code == 201


def test_an_applicant_filing_twice_is_never_taken_for_a_duplicate(desk: Desk) -> None:
    desk.filed()
    assert desk.file().status_code == 201


def test_a_case_read_again_unchanged_is_a_304(desk: Desk) -> None:
    key, _ = desk.partner()
    filed = file_as(desk, key)
    path = f"/v1/partner/cases/{filed['case_id']}"
    first = desk.client.get(path, headers=bearer(key))
    tag = first.headers["etag"]

    unchanged = desk.client.get(path, headers={**bearer(key), "If-None-Match": tag})
    staff = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    desk.client.post(
        f"/v1/cases/{filed['case_id']}/transitions", json={"to": "acknowledged", "version": 1}, headers=staff
    )
    changed = desk.client.get(path, headers={**bearer(key), "If-None-Match": tag})
    staff_view = desk.client.get(f"/v1/cases/{filed['case_id']}", headers={**staff, "If-None-Match": '"2"'})

    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == tag
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed.headers["etag"] == '"2"'
    assert staff_view.status_code == 304


# --- The access matrix, partner keys ------------------------------------------------------------

STAFF_ROUTES = [
    ("GET", "/v1/cases", None),
    ("GET", "/v1/cases/{case}", None),
    ("POST", "/v1/cases/{case}/transitions", {"to": "acknowledged", "version": 1}),
    ("POST", "/v1/cases/{case}/notes", {"body": "Note"}),
    ("POST", "/v1/cases/{case}/withdraw", {}),
    ("GET", "/v1/stats", None),
]
PARTNER_ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/v1/partner/cases", None, "cases:read"),
    ("GET", "/v1/partner/cases/{case}", None, "cases:read"),
    ("POST", "/v1/partner/cases/{case}/withdraw", {}, "cases:write"),
    ("GET", "/v1/partner/webhooks", None, "cases:read"),
    ("PUT", "/v1/partner/webhooks", {"endpoints": []}, "cases:write"),
    ("GET", "/v1/partner/webhooks/deliveries", None, "cases:read"),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ROUTES, ids=lambda v: str(v))
def test_a_partner_key_opens_no_staff_route(desk: Desk, method: str, path: str, body: Any) -> None:
    key, _ = desk.partner()
    filed = file_as(desk, key)
    response = desk.client.request(method, path.format(case=filed["case_id"]), json=body, headers=bearer(key))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path", "body", "scope"), PARTNER_ROUTES, ids=lambda v: str(v))
def test_partner_routes_refuse_staff_applicants_other_scopes_and_invalid_keys(
    desk: Desk, method: str, path: str, body: Any, scope: str
) -> None:
    key, partner_id = desk.partner()
    filed = file_as(desk, key)
    url = path.format(case=filed["case_id"])
    other_scope = "cases:write" if scope == "cases:read" else "cases:read"
    narrow = desk.partner_key(partner_id, scopes=(other_scope,))
    callers = {
        "admin": desk.token("admin")[0],
        "own_queue": desk.token(ti=("gers-tarn-et-garonne",))[0],
        "applicant": filed["tracking_token"],
        "without_scope": narrow,
    }
    for who, token in callers.items():
        response = desk.client.request(method, url, json=body, headers=bearer(token))
        assert response.status_code == 403, (who, response.text)
    assert desk.client.request(method, url, json=body).status_code == 401
    assert desk.client.request(method, url, json=body, headers=bearer("gtp_" + "A" * 43)).status_code == 401
    assert desk.client.request(method, url, json=body, headers=bearer(key)).status_code in (200, 201)


def test_a_revoked_or_expired_key_is_a_401_and_the_second_key_keeps_working(desk: Desk) -> None:
    old, partner_id = desk.partner()
    new = desk.partner_key(partner_id)
    with pytest.raises(InvalidInput, match="2 clés actives"):  # a third, while two are active
        desk.partner_key(partner_id)
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        key_id = session.scalar(select(PartnerKey.id).where(PartnerKey.digest == token_digest(desk.key, old)))
        assert key_id is not None
        revoke_key(session, key_id, desk.clock.now)

    revoked = desk.client.get("/v1/partner/cases", headers=bearer(old))
    assert revoked.status_code == 401
    assert "révoquée" in revoked.json()["detail"]
    assert desk.client.get("/v1/partner/cases", headers=bearer(new)).status_code == 200
    desk.clock.advance(days=549)
    expired = desk.client.get("/v1/partner/cases", headers=bearer(new))
    assert expired.status_code == 401
    assert "expirée" in expired.json()["detail"]


def test_only_a_partner_key_changes_who_files_a_staff_token_files_as_the_applicant(desk: Desk) -> None:
    admin = bearer(desk.token("admin")[0])
    filed = desk.client.post("/v1/cases", json=case_body(SAINT_CLAUDE), headers=admin)
    assert filed.status_code == 201
    assert desk.client.get(f"/v1/cases/{filed.json()['case_id']}", headers=admin).json()["source"] == "applicant"


def test_the_key_s_last_use_is_recorded_once_a_day(desk: Desk) -> None:
    key, _ = desk.partner()
    desk.client.get("/v1/partner/cases", headers=bearer(key))
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        used = session.scalar(select(PartnerKey.last_used_at))
    assert used is not None
    assert used.date() == desk.clock.now.date()


def test_a_partner_key_matches_with_the_match_scope_only(desk: Desk) -> None:
    key, partner_id = desk.partner()
    narrow = desk.partner_key(partner_id, scopes=("cases:read",))
    profile = case_body()["profile"]
    assert desk.client.post("/v1/match", json=profile, headers=bearer(key)).status_code == 200
    assert desk.client.post("/v1/match", json=profile, headers=bearer(narrow)).status_code == 403
    assert desk.client.post("/v1/match", json=profile).status_code == 200
    assert desk.client.post("/v1/match", json=profile, headers=bearer("gtp_" + "B" * 43)).status_code == 401


def test_partner_origins_listed_in_the_settings_may_call_from_a_browser(
    database: Database, match_context: MatchContext, tmp_path: Path
) -> None:
    allowed = "https://www.cci.example"
    desks = desk_with(database, match_context, tmp_path, cors_origins=[allowed])
    desk = next(desks)
    try:
        preflight = desk.client.options(
            "/v1/partner/cases",
            headers={
                "Origin": allowed,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        other = desk.client.get("/health", headers={"Origin": "https://ailleurs.example"})
        listed = desk.client.get("/health", headers={"Origin": allowed})
    finally:
        next(desks, None)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == allowed
    assert "access-control-allow-origin" not in other.headers
    assert listed.headers["access-control-allow-origin"] == allowed


def test_no_origin_is_allowed_by_default(desk: Desk) -> None:
    response = desk.client.get("/health", headers={"Origin": "https://www.cci.example"})
    assert "access-control-allow-origin" not in response.headers
