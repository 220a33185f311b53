"""Cases through HTTP, on SQLite and PostgreSQL: filing, routing, lifecycle, versions, triage."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from app.cases.lifecycle import STAFF_TRANSITIONS, CaseStatus
from app.db import session_factory, transaction
from app.main import create_app
from app.models import CaseEvent, CaseFile, CaseNote, CaseScheme
from app.services.matching import load_match_context
from app.settings import PROJECT_ROOT, Settings
from tests.case_desk import (
    GERS_QUEUE,
    ISLE_JOURDAIN,
    JURA_QUEUE,
    LYON,
    LYON_QUEUE,
    SAINT_CLAUDE,
    TOKEN_KEY,
    Desk,
    bearer,
    case_body,
)
from tests.fake_directory import SIRET_SAVE_JURA, FakeDirectory, Reply

GERS = ("gers-tarn-et-garonne",)


def count(desk: Desk, model: type[Any]) -> int:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def lead(desk: Desk, ti: tuple[str, ...] = GERS) -> dict[str, str]:
    token, _ = desk.token(ti=ti)
    return bearer(token)


def move(desk: Desk, case_id: str, headers: dict[str, str], to: str, version: int, **extra: Any) -> Any:
    return desk.client.post(
        f"/v1/cases/{case_id}/transitions", json={"to": to, "version": version, **extra}, headers=headers
    )


# ---------------------------------------------------------------------------------------------
# Filing and routing


def test_filing_in_l_isle_jourdain_reaches_the_gers_tarn_et_garonne_chef_de_projet(desk: Desk) -> None:
    response = desk.file(ISLE_JOURDAIN)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["routing"]["queue"] == {
        "id": GERS_QUEUE,
        "name": "Chef de projet du Territoire d'industrie Gers/Tarn-et-Garonne (PETR Pays Portes de Gascogne)",
        "kind": "industry_territory",
    }
    assert body["routing"]["rule"] == "chef-de-projet-ti"
    assert body["routing"]["message"].startswith("Votre demande a été transmise à : Chef de projet du Territoire")
    assert body["status"] == "submitted"
    assert body["version"] == 1
    assert body["tracking_token"].startswith("gtd_")
    assert len(body["tracking_token"]) > 40
    assert response.headers["location"] == f"/v1/cases/{body['case_id']}"
    listed = desk.client.get("/v1/cases", headers=lead(desk)).json()
    assert [item["id"] for item in listed["items"]] == [body["case_id"]]


def statements_of_filing(desk: Desk, headers: dict[str, str] | None = None) -> list[tuple[str, bool]]:
    """The statements a filing sends: each one's first word, and whether it ran outside a
    transaction block (committed alone)."""
    sent: list[tuple[str, bool]] = []

    def seen(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # sqlite3 has no such attribute before Python 3.12: its writers are in a transaction anyway.
        alone = bool(getattr(connection.connection.dbapi_connection, "autocommit", False))
        sent.append((statement.split(None, 1)[0], alone))

    engine = desk.client.app.state.database.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = case_body(scheme_ids=["vte", "pret-croissance-industrie"])
        response = desk.client.post("/v1/cases", json=body, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 201, response.text
    return sent


def test_the_applicant_s_filing_is_one_write_committed_alone_on_postgresql(desk: Desk) -> None:
    sent = statements_of_filing(desk)
    if desk.database.backend == "postgresql":
        # The staff to tell read, then every row in one statement, each its own transaction: no
        # BEGIN, no COMMIT, nothing left to roll back after the write.
        assert sent == [("SELECT", True), ("WITH", True)]
    else:
        assert [word for word, _ in sent] == ["BEGIN", "SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]
    assert count(desk, CaseScheme) == 2


def test_a_partner_s_filing_stays_one_transaction_with_its_repeat_check_and_webhooks(desk: Desk) -> None:
    key, _ = desk.partner("CCI Occitanie")
    sent = statements_of_filing(desk, bearer(key))
    # Its reads and writes are one transaction: the case, its webhooks, its idempotent answer.
    assert not any(alone for _, alone in sent)
    assert "SELECT" in [word for word, _ in sent]


def test_filing_in_saint_claude_goes_to_the_haut_jura_fallback_the_sous_prefecture(desk: Desk) -> None:
    body = desk.filed(SAINT_CLAUDE)
    assert body["routing"]["queue"]["id"] == JURA_QUEUE
    assert body["routing"]["rule"] == "repli-ti-sans-chef-de-projet"
    assert "Sous-préfecture de Saint-Claude" in body["routing"]["message"]
    assert "n'a pas de chef de projet" in body["routing"]["reason"]
    assert "interlocuteur de repli" in body["routing"]["reason"]
    assert body["routing"]["fallback"] is True
    jura = desk.client.get("/v1/cases", headers=lead(desk, ("haut-jura",))).json()
    assert [item["id"] for item in jura["items"]] == [body["case_id"]]


def test_filing_elsewhere_goes_to_the_regional_queue_and_says_why(desk: Desk) -> None:
    body = desk.filed(LYON)
    assert body["routing"]["queue"] == {
        "id": LYON_QUEUE,
        "name": "File régionale Territoires d'industrie – Auvergne-Rhône-Alpes",
        "kind": "region",
    }
    assert body["routing"]["rule"] == "statut-ti-inconnu"
    assert "n'est pas établie" in body["routing"]["reason"]
    token, _ = desk.token(region=("84",))
    assert desk.client.get("/v1/cases", headers=bearer(token)).json()["total"] == 1
    assert desk.client.get("/v1/cases", headers=lead(desk)).json()["total"] == 0


def test_the_case_keeps_the_snapshot_of_the_profile_verdicts_and_catalogue_version(desk: Desk) -> None:
    body = desk.filed()
    headers = lead(desk)
    detail = desk.client.get(f"/v1/cases/{body['case_id']}", headers=headers).json()
    assert detail["catalogue_version"] == desk.context.catalogue.version
    assert detail["as_of"] == "2026-11-30"  # the filing day in Paris, from the clock
    assert detail["profile"]["given"]["company"]["naf"] == "25.62A"
    assert detail["profile"]["resolved"]["territory"]["epci"]["name"] == "CC de la Gascogne Toulousaine"
    verdicts = {r["scheme_id"]: r["verdict"] for r in detail["verdicts"]["results"]}
    assert verdicts["vte"] == "undetermined"
    assert verdicts["fonds-acceleration"] == "closed"
    assert detail["schemes"] == [
        {
            "scheme_id": "vte",
            "name": "Volontariat Territorial en Entreprise (VTE) – Territoires d'industrie",
            "verdict_at_filing": "undetermined",
            "acknowledged_ineligible": False,
        }
    ]
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        stored = session.scalars(select(CaseScheme)).one()
    assert stored.result["verdict"] == "undetermined"
    assert any(c["criterion"] for c in stored.result["criteria"])  # the explanation, criterion by criterion


def test_a_later_catalogue_change_never_rewrites_a_filed_case(desk: Desk, tmp_path: Path) -> None:
    body = desk.filed()
    headers = lead(desk)
    before = desk.client.get(f"/v1/cases/{body['case_id']}", headers=headers).json()
    # The next catalogue renames the VTE: a new catalogue version, served by a new process.
    catalogue = tmp_path / "catalogue"
    shutil.copytree(PROJECT_ROOT / "catalogue", catalogue)
    vte = catalogue / "schemes" / "vte.yaml"
    vte.write_text(vte.read_text().replace("name: Volontariat Territorial en Entreprise (VTE)", "name: VTE 2027", 1))
    settings = Settings(
        database_url=desk.database.url,
        sirene_url="",
        token_key=TOKEN_KEY,
        catalogue_dir=catalogue,
        token_key_file=tmp_path / "k",
    )
    context = load_match_context(settings)
    assert context.catalogue.version != desk.context.catalogue.version
    assert context.catalogue.schemes["vte"].definition.name.startswith("VTE 2027")
    with TestClient(create_app(settings, context=context, clock=desk.clock)) as client:
        after = client.get(f"/v1/cases/{body['case_id']}", headers=headers).json()
    assert after["catalogue_version"] == desk.context.catalogue.version
    assert after["schemes"][0]["name"] == "Volontariat Territorial en Entreprise (VTE) – Territoires d'industrie"
    assert (after["verdicts"], after["profile"], after["routing"]) == (
        before["verdicts"],
        before["profile"],
        before["routing"],
    )


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"contact": {"name": "Camille", "email": "pas-une-adresse", "consent": True}}, "contact.email", "e-mail"),
        (
            {"contact": {"name": "Camille", "email": "c@exemple.fr", "consent": False}},
            "contact.consent",
            "consentement",
        ),
        ({"contact": {"name": "Camille", "email": "c@exemple.fr"}}, "contact.consent", "obligatoire"),
        ({"scheme_ids": ["vte", "aide-inventee"]}, "scheme_ids[1]", "inconnu"),
        ({"scheme_ids": ["vte", "vte"]}, "scheme_ids[1]", "deux fois"),
        ({"message": ""}, "message", "trop court"),
        (
            {"contact": {"name": "Camille", "email": "c@exemple.fr", "phone": "appelez-moi", "consent": True}},
            "contact.phone",
            "téléphone invalide",
        ),
    ],
)
def test_bad_filing_is_a_422_naming_the_field_and_nothing_is_written(
    desk: Desk, change: dict[str, Any], field: str, fragment: str
) -> None:
    response = desk.client.post("/v1/cases", json=case_body(**change))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert fragment in errors[0]["message"]
    assert count(desk, CaseFile) == count(desk, CaseEvent) == count(desk, CaseScheme) == 0


def test_a_profile_that_does_not_settle_the_commune_is_a_422_naming_the_profile_field(desk: Desk) -> None:
    body = case_body()
    body["profile"]["territory"] = {"query": "Saint-Claude"}
    response = desk.client.post("/v1/cases", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "profile.territory.query"
    assert problem["detail"].startswith("profile.territory.query")
    assert len(problem["candidates"]) >= 2
    assert count(desk, CaseFile) == 0


def test_asking_for_an_ineligible_scheme_needs_the_applicant_s_acknowledgement_and_flags_the_case(desk: Desk) -> None:
    body = case_body()
    body["profile"]["company"] = {"headcount": 6200, "naf": "25.62A"}  # a GE: VTE is for SMEs
    refused = desk.client.post("/v1/cases", json=body)
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "scheme_ids[0]"
    assert "non éligible" in error["message"]
    assert "acknowledge_ineligible" in error["message"]
    assert count(desk, CaseFile) == 0

    accepted = desk.client.post("/v1/cases", json={**body, "acknowledge_ineligible": True})
    assert accepted.status_code == 201
    assert accepted.json()["flagged_ineligible"] is True
    item = desk.client.get("/v1/cases", headers=lead(desk)).json()["items"][0]
    assert item["flagged_ineligible"] is True
    assert item["schemes"][0]["verdict_at_filing"] == "ineligible"
    assert item["schemes"][0]["acknowledged_ineligible"] is True


def test_a_closed_scheme_is_treated_like_an_ineligible_one(desk: Desk) -> None:
    response = desk.file(scheme_ids=["fonds-acceleration"])
    assert response.status_code == 422
    assert "fermé" in response.json()["errors"][0]["message"]


def test_a_request_without_any_scheme_is_a_request_for_support(desk: Desk) -> None:
    body = desk.filed(scheme_ids=[])
    detail = desk.client.get(f"/v1/cases/{body['case_id']}", headers=lead(desk)).json()
    assert detail["schemes"] == []


# ---------------------------------------------------------------------------------------------
# Lifecycle

PATHS: dict[str, list[str]] = {
    "submitted": [],
    "acknowledged": ["acknowledged"],
    "in_review": ["acknowledged", "in_review"],
    "referred": ["acknowledged", "in_review", "referred"],
    "accepted": ["acknowledged", "in_review", "accepted"],
    "declined": ["declined"],
    "withdrawn": [],  # by the applicant, see reach()
    "closed": ["declined", "closed"],
}
DECLINE = {"decline_reason": "doublon"}


def reach(desk: Desk, headers: dict[str, str], status: str) -> tuple[str, int]:
    filed = desk.filed()
    case_id, version = filed["case_id"], 1
    if status == "withdrawn":
        response = desk.client.post(f"/v1/cases/{case_id}/withdraw", headers=bearer(filed["tracking_token"]))
        assert response.status_code == 200, response.text
        return case_id, response.json()["version"]
    for step in PATHS[status]:
        response = move(desk, case_id, headers, step, version, **(DECLINE if step == "declined" else {}))
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return case_id, version


def test_the_happy_path_is_recorded_event_by_event(desk: Desk) -> None:
    headers = lead(desk)
    case_id, version = reach(desk, headers, "referred")
    version = move(desk, case_id, headers, "accepted", version, note="Accord de l'opérateur").json()["version"]
    final = move(desk, case_id, headers, "closed", version).json()
    assert final["status"] == "closed"
    assert final["version"] == 6
    history = [(e["kind"], e["from_status"], e["to_status"], e["version"]) for e in final["history"]]
    assert history == [
        ("filed", None, "submitted", 1),
        ("transition", "submitted", "acknowledged", 2),
        ("transition", "acknowledged", "in_review", 3),
        ("transition", "in_review", "referred", 4),
        ("transition", "referred", "accepted", 5),
        ("transition", "accepted", "closed", 6),
    ]
    assert final["history"][4]["note"] == "Accord de l'opérateur"
    assert final["history"][1]["actor"] == "Chargée de mission"
    assert final["acknowledged_at"] == "2026-11-30T08:00:00Z"


@pytest.mark.parametrize("current", list(STAFF_TRANSITIONS))
def test_every_illegal_transition_is_a_409_that_lists_the_allowed_ones(desk: Desk, current: CaseStatus) -> None:
    headers = lead(desk)
    case_id, version = reach(desk, headers, current)
    allowed = STAFF_TRANSITIONS[current]
    for target in CaseStatus:
        if target in allowed:
            continue
        response = move(desk, case_id, headers, target, version, **(DECLINE if target == "declined" else {}))
        assert response.status_code == 409, (current, target, response.text)
        problem = response.json()
        assert problem["type"] == "urn:guichet-ti:probleme:transition-interdite"
        assert [a["status"] for a in problem["allowed"]] == list(allowed)
        assert problem["current_status"] == current
    detail = desk.client.get(f"/v1/cases/{case_id}", headers=headers).json()
    assert detail["status"] == current
    assert detail["version"] == version


def test_declining_needs_a_reason_from_the_list_and_autre_needs_an_explanation(desk: Desk) -> None:
    headers = lead(desk)
    filed = desk.filed()
    case_id = filed["case_id"]
    missing = move(desk, case_id, headers, "declined", 1)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "decline_reason"
    unknown = move(desk, case_id, headers, "declined", 1, decline_reason="humeur")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "decline_reason"
    bare_other = move(desk, case_id, headers, "declined", 1, decline_reason="autre")
    assert bare_other.status_code == 422
    assert bare_other.json()["errors"][0]["field"] == "explanation"
    done = move(
        desk,
        case_id,
        headers,
        "declined",
        1,
        decline_reason="autre",
        explanation="Projet hors industrie.",
        note="interne",
    )
    assert done.status_code == 200
    public = desk.client.get(f"/v1/cases/{case_id}", headers=bearer(filed["tracking_token"])).json()
    assert public["decline_reason"] == "autre"
    assert public["decline_reason_label"] == "Autre raison (précisée)"
    assert public["explanation"] == "Projet hors industrie."
    assert "interne" not in str(public)


# ---------------------------------------------------------------------------------------------
# Versions


def test_a_change_from_a_stale_version_is_refused_and_nothing_is_lost(desk: Desk) -> None:
    headers = lead(desk)
    case_id = desk.filed()["case_id"]
    assert move(desk, case_id, headers, "acknowledged", 1).status_code == 200
    stale = move(desk, case_id, headers, "declined", 1, decline_reason="doublon")
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert stale.json()["current_status"] == "acknowledged"
    detail = desk.client.get(f"/v1/cases/{case_id}", headers=headers)
    assert detail.json()["status"] == "acknowledged"
    assert detail.headers["etag"] == '"2"'


def test_if_match_carries_the_version_and_a_change_without_any_version_is_428(desk: Desk) -> None:
    headers = lead(desk)
    case_id = desk.filed()["case_id"]
    url = f"/v1/cases/{case_id}/transitions"
    missing = desk.client.post(url, json={"to": "acknowledged"}, headers=headers)
    assert missing.status_code == 428
    assert missing.json()["current_version"] == 1
    wrong = desk.client.post(url, json={"to": "acknowledged"}, headers={**headers, "If-Match": '"7"'})
    assert wrong.status_code == 412
    garbage = desk.client.post(url, json={"to": "acknowledged"}, headers={**headers, "If-Match": "*"})
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "If-Match"
    right = desk.client.post(url, json={"to": "acknowledged"}, headers={**headers, "If-Match": 'W/"1"'})
    assert right.status_code == 200
    assert right.headers["etag"] == '"2"'


def test_two_concurrent_changes_from_the_same_version_exactly_one_wins(desk: Desk) -> None:
    headers = lead(desk)
    for _ in range(5):
        case_id = desk.filed()["case_id"]
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def change(
            target: str,
            extra: dict[str, str],
            case_id: str = case_id,
            barrier: threading.Barrier = barrier,
            statuses: list[int] = statuses,
        ) -> None:
            barrier.wait()  # both requests leave together
            statuses.append(move(desk, case_id, headers, target, 1, **extra).status_code)

        threads = [
            threading.Thread(target=change, args=("acknowledged", {})),
            threading.Thread(target=change, args=("declined", DECLINE)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 412]
        detail = desk.client.get(f"/v1/cases/{case_id}", headers=headers).json()
        assert detail["version"] == 2
        assert [e["kind"] for e in detail["history"]] == ["filed", "transition"]


# ---------------------------------------------------------------------------------------------
# Triage


def test_internal_notes_reach_the_queue_never_the_applicant(desk: Desk) -> None:
    headers = lead(desk)
    filed = desk.filed()
    case_id = filed["case_id"]
    response = desk.client.post(
        f"/v1/cases/{case_id}/notes", json={"body": "Appeler l'opérateur VTE mardi"}, headers=headers
    )
    assert response.status_code == 201
    detail = response.json()
    assert [n["body"] for n in detail["notes"]] == ["Appeler l'opérateur VTE mardi"]
    assert detail["version"] == 1  # a note is not a change of the case: no version needed, none bumped
    assert detail["history"][-1]["kind"] == "note_added"
    public = desk.client.get(f"/v1/cases/{case_id}", headers=bearer(filed["tracking_token"]))
    assert public.status_code == 200
    assert "Appeler" not in public.text
    assert "notes" not in public.json()
    assert count(desk, CaseNote) == 1


def test_rerouting_moves_the_case_to_another_queue_with_its_reason(desk: Desk) -> None:
    gers = lead(desk)
    token, _ = desk.token(region=("76",), holder="File régionale Occitanie")
    occitanie = bearer(token)
    case_id = desk.filed()["case_id"]
    bad = desk.client.post(
        f"/v1/cases/{case_id}/reroute", json={"queue_id": "ti:atlantide", "reason": "essai", "version": 1}, headers=gers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "queue_id"
    moved = desk.client.post(
        f"/v1/cases/{case_id}/reroute",
        json={"queue_id": "region:76", "reason": "Projet régional, hors TI", "version": 1},
        headers=gers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["queue"]["id"] == "region:76"
    assert moved.json()["history"][-1]["detail"] == {"from_queue": GERS_QUEUE, "to_queue": "region:76"}
    assert desk.client.get(f"/v1/cases/{case_id}", headers=gers).status_code == 404
    assert desk.client.get(f"/v1/cases/{case_id}", headers=occitanie).json()["version"] == 2


def test_a_case_is_assigned_only_to_an_active_colleague_of_its_queue(desk: Desk) -> None:
    headers = lead(desk)
    _, colleague = desk.token(ti=GERS, holder="Développeur économique, PETR")
    _, stranger = desk.token(ti=("haut-jura",), holder="Sous-préfecture")
    _, revoked = desk.token(ti=GERS, holder="Ancien chargé de mission")
    desk.revoke(revoked)
    case_id = desk.filed()["case_id"]
    url = f"/v1/cases/{case_id}/assign"
    for other in (stranger, revoked):
        refused = desk.client.post(url, json={"assignee_id": str(other), "version": 1}, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "assignee_id"
    done = desk.client.post(url, json={"assignee_id": str(colleague), "version": 1}, headers=headers)
    assert done.status_code == 200
    assert done.json()["assignee"] == {"id": str(colleague), "holder": "Développeur économique, PETR"}


def test_the_queue_filters_by_status_scheme_and_waiting_time_and_paginates(desk: Desk) -> None:
    headers = lead(desk)
    first = desk.filed()["case_id"]
    desk.clock.advance(days=3)
    second = desk.filed(scheme_ids=["geiq-industrie"])["case_id"]
    desk.clock.advance(days=1)
    third = desk.filed(scheme_ids=[])["case_id"]
    move(desk, third, headers, "acknowledged", 1)

    def ids(**params: Any) -> list[str]:
        response = desk.client.get("/v1/cases", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [first, second, third]  # oldest first
    assert ids(status="submitted") == [first, second]
    assert ids(status=["submitted", "acknowledged"]) == [first, second, third]
    assert ids(scheme="geiq-industrie") == [second]
    assert ids(ti="gers-tarn-et-garonne") == [first, second, third]
    assert ids(waiting_more_than_days=2) == [first]
    page = desk.client.get("/v1/cases", params={"per_page": 2, "page": 2}, headers=headers).json()
    assert [i["id"] for i in page["items"]] == [third]
    assert page["total"] == 3
    bad = desk.client.get("/v1/cases", params={"status": "perdu"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status[0]"


def test_a_case_left_submitted_beyond_five_working_days_is_overdue(desk: Desk) -> None:
    headers = lead(desk)
    case_id = desk.filed()["case_id"]  # Monday 30 November 2026
    desk.clock.advance(days=7, hours=10)  # Tuesday 8 December, 18:00 UTC: 5 working days have passed
    item = desk.client.get("/v1/cases", headers=headers).json()["items"][0]
    assert item["overdue"] == {"overdue": False, "reasons": []}
    desk.clock.advance(days=1)  # Wednesday 9 December: the sixth working day
    item = desk.client.get("/v1/cases", headers=headers).json()["items"][0]
    assert item["overdue"]["overdue"] is True
    assert "5 jours ouvrés" in item["overdue"]["reasons"][0]
    assert [
        i["id"] for i in desk.client.get("/v1/cases", params={"overdue": True}, headers=headers).json()["items"]
    ] == [case_id]
    assert desk.client.get("/v1/cases", params={"overdue": False}, headers=headers).json()["items"] == []


def test_an_open_case_without_any_event_for_fourteen_days_is_overdue_until_something_happens(desk: Desk) -> None:
    headers = lead(desk)
    case_id = desk.filed()["case_id"]
    move(desk, case_id, headers, "acknowledged", 1)
    desk.clock.advance(days=14, minutes=1)
    item = desk.client.get("/v1/cases", headers=headers).json()["items"][0]
    assert item["overdue"]["reasons"] == ["aucun événement depuis plus de 14 jours"]
    desk.client.post(f"/v1/cases/{case_id}/notes", json={"body": "Relancé par téléphone"}, headers=headers)
    item = desk.client.get("/v1/cases", headers=headers).json()["items"][0]
    assert item["overdue"]["overdue"] is False


# ---------------------------------------------------------------------------------------------
# The applicant


def test_the_applicant_follows_and_withdraws_its_case_with_its_tracking_token(desk: Desk) -> None:
    filed = desk.filed()
    applicant = bearer(filed["tracking_token"])
    case_id = filed["case_id"]
    public = desk.client.get(f"/v1/cases/{case_id}", headers=applicant).json()
    assert public["status_label"] == "Déposée"
    assert public["can_withdraw"] is True
    assert public["routing_message"] == filed["routing"]["message"]
    withdrawn = desk.client.post(f"/v1/cases/{case_id}/withdraw", json={"reason": "Projet reporté"}, headers=applicant)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["can_withdraw"] is False
    assert [h["status"] for h in withdrawn.json()["history"]] == ["submitted", "withdrawn"]
    again = desk.client.post(f"/v1/cases/{case_id}/withdraw", headers=applicant)
    assert again.status_code == 409
    detail = desk.client.get(f"/v1/cases/{case_id}", headers=lead(desk)).json()
    assert detail["history"][-1]["actor"] == "Demandeur"
    assert detail["history"][-1]["note"] == "Projet reporté"


def test_events_are_never_edited_nor_deleted(desk: Desk) -> None:
    desk.filed()
    sessions = session_factory(desk.database.engine)
    with pytest.raises(Exception, match="ajout seul"), transaction(sessions, writing=True) as session:
        session.scalars(select(CaseEvent)).one().note = "réécrit"
    with pytest.raises(Exception, match="ajout seul"), transaction(sessions, writing=True) as session:
        session.delete(session.scalars(select(CaseEvent)).one())
    with transaction(sessions, writing=False) as session:
        assert session.scalars(select(CaseEvent.note)).one() is None


# ---------------------------------------------------------------------------------------------
# A profile given by its SIRET


@pytest.fixture
def desk_with_directory(desk: Desk, directory: FakeDirectory, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=desk.database.url,
        sirene_url=directory.url,
        sirene_deadline_seconds=0.5,
        token_key=TOKEN_KEY,
        token_key_file=tmp_path / "k",
    )
    with TestClient(create_app(settings, context=desk.context, clock=desk.clock)) as client:
        yield client


def test_a_case_filed_from_a_siret_alone_is_routed_by_the_establishment_s_commune_and_keeps_the_provenance(
    desk: Desk, desk_with_directory: TestClient
) -> None:
    body = case_body(profile={"siret": SIRET_SAVE_JURA}, scheme_ids=[])
    response = desk_with_directory.post("/v1/cases", json=body)
    assert response.status_code == 201, response.text
    filed = response.json()
    assert filed["routing"]["queue"]["id"] == JURA_QUEUE  # the Saint-Claude establishment, not the head office
    detail = desk.client.get(f"/v1/cases/{filed['case_id']}", headers=lead(desk, ("haut-jura",))).json()
    resolved = detail["profile"]["resolved"]
    assert resolved["territory"]["code"] == SAINT_CLAUDE
    assert resolved["provenance"]["territory.commune"]["source"] == "sirene"
    assert resolved["lookup"]["status"] == "ok"
    assert detail["profile"]["given"] == {
        "siret": SIRET_SAVE_JURA,
        "company": {},
        "needs": [],
        "project": {},
        "answers": {},
    }


def test_a_siret_alone_that_the_directory_cannot_read_is_a_503_and_no_case_is_written(
    desk: Desk, desk_with_directory: TestClient, directory: FakeDirectory
) -> None:
    directory.script(SIRET_SAVE_JURA, Reply("raw", b"oups", status=500))
    response = desk_with_directory.post("/v1/cases", json=case_body(profile={"siret": SIRET_SAVE_JURA}))
    assert response.status_code == 503
    assert response.json()["type"] == "urn:guichet-ti:probleme:annuaire-indisponible"
    assert "territory" in response.json()["detail"]
    assert count(desk, CaseFile) == 0


def test_a_malformed_siret_in_the_profile_is_a_422_naming_profile_siret(desk: Desk) -> None:
    response = desk.client.post("/v1/cases", json=case_body(profile={"siret": "51234567900018"}))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "profile.siret"
    assert count(desk, CaseFile) == 0
