"""Personal data rights: export and erasure of an address (admin route and CLI), retention of
ended cases (`guichet cases purge`), notices of partner keys about to expire."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import CaseFile, OutboxMessage
from app.services.partners import add_partner, create_key, notify_expiring_keys
from app.services.retention import ERASED, erase_personal_data, purge_closed_cases
from tests.case_desk import LYON, Desk, bearer, case_body

EMAIL = "camille.exemple@entreprise-test.fr"


def with_words_of_the_applicant() -> dict[str, Any]:
    body = case_body()
    body["profile"] = {**body["profile"], "needs_text": "Recruter pour remplacer M. Lanvin"}
    return body


def test_an_admin_exports_what_is_held_about_an_address(desk: Desk) -> None:
    filed = desk.filed()
    desk.filed(LYON, contact={**case_body()["contact"], "email": "autre@exemple.fr"})
    admin = bearer(desk.token("admin")[0])

    response = desk.client.post("/v1/personal-data/export", json={"email": EMAIL.upper()}, headers=admin)

    assert response.status_code == 200, response.text
    [case] = response.json()["cases"]
    assert case["case_id"] == filed["case_id"]
    assert case["contact"]["email"] == EMAIL
    assert case["message"] == case_body()["message"]
    assert "autre@exemple.fr" not in response.text


def test_an_erasure_anonymises_the_cases_keeps_their_facts_and_records_itself(desk: Desk) -> None:
    filed = desk.filed(**with_words_of_the_applicant())
    other = desk.filed(LYON, contact={**case_body()["contact"], "email": "autre@exemple.fr"})
    admin = bearer(desk.token("admin")[0])
    own = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    case = f"/v1/cases/{filed['case_id']}"
    assert desk.client.post(f"{case}/notes", json={"body": "Rappeler Camille lundi"}, headers=own).status_code == 201
    withdrawn = desk.client.post(
        f"{case}/withdraw", json={"reason": "Camille a trouvé"}, headers=bearer(filed["tracking_token"])
    )
    assert withdrawn.status_code == 200

    erased = desk.client.post("/v1/personal-data/erase", json={"email": EMAIL}, headers=admin)
    seen = desk.client.get(f"/v1/cases/{filed['case_id']}", headers=own).json()

    assert erased.status_code == 200, erased.text
    assert erased.json()["erased_case_ids"] == [filed["case_id"]]
    assert seen["contact"] == {"name": ERASED, "email": ERASED, "phone": None}
    assert seen["message"] == ERASED
    assert seen["profile"]["given"]["needs_text"] is None
    assert seen["profile"]["given"]["company"]["naf"] == "25.62A"  # the facts stay
    assert seen["commune"]["code"] == "32160"
    assert [e["kind"] for e in seen["history"]] == ["filed", "note_added", "withdrawn", "anonymised"]
    assert [e["note"] for e in seen["history"]] == [None, None, None, None]
    assert [n["body"] for n in seen["notes"]] == [ERASED]
    for personal in ("Camille", EMAIL, "05 62 00 00 00", "Lanvin"):
        assert personal not in json.dumps(seen)
    export = desk.client.post("/v1/personal-data/export", json={"email": EMAIL}, headers=admin).json()
    assert export["cases"] == []
    untouched = desk.client.get(f"/v1/cases/{other['case_id']}", headers=admin)
    assert untouched.status_code == 200


def test_only_an_admin_reads_or_erases_personal_data(desk: Desk) -> None:
    desk.filed()
    own = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    key, _ = desk.partner()
    for path in ("/v1/personal-data/export", "/v1/personal-data/erase"):
        assert desk.client.post(path, json={"email": EMAIL}, headers=own).status_code == 403
        assert desk.client.post(path, json={"email": EMAIL}, headers=bearer(key)).status_code == 403
        assert desk.client.post(path, json={"email": EMAIL}).status_code == 401


def test_the_purge_anonymises_cases_ended_long_ago_only(desk: Desk) -> None:
    ended = desk.filed()
    still_open = desk.filed(LYON)
    staff = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    for to, version in (("acknowledged", 1), ("in_review", 2), ("referred", 3), ("accepted", 4), ("closed", 5)):
        moved = desk.client.post(
            f"/v1/cases/{ended['case_id']}/transitions", json={"to": to, "version": version}, headers=staff
        )
        assert moved.status_code == 200, moved.text
    sessions = session_factory(desk.database.engine)
    later = desk.clock.now + timedelta(days=37 * 31)

    with transaction(sessions, writing=False) as session:
        dry = purge_closed_cases(session, later, dry_run=True)
    with transaction(sessions, writing=True) as session:
        too_soon = purge_closed_cases(session, desk.clock.now + timedelta(days=30 * 30))
        done = purge_closed_cases(session, later)
    with transaction(sessions, writing=True) as session:
        again = purge_closed_cases(session, later)
        rows = {str(c.id): c for c in session.scalars(select(CaseFile))}

    assert [str(i) for i in dry] == [str(i) for i in done] == [ended["case_id"]]
    assert too_soon == again == []
    assert rows[ended["case_id"]].contact_email == ERASED
    assert rows[ended["case_id"]].status == "closed"
    assert rows[still_open["case_id"]].contact_email == EMAIL


def test_the_partner_s_contact_is_told_once_30_days_before_a_key_expires(desk: Desk) -> None:
    sessions = session_factory(desk.database.engine)
    with transaction(sessions, writing=True) as session:
        partner = add_partner(
            session,
            name="Région Exemple",
            contact_role="Direction du numérique",
            contact_email="numerique@region.example",
            now=desk.clock.now,
        )
        create_key(session, desk.key, partner, valid_for=timedelta(days=60), now=desk.clock.now)
    with transaction(sessions, writing=True) as session:
        early = notify_expiring_keys(session, desk.clock.now + timedelta(days=20))
        due = notify_expiring_keys(session, desk.clock.now + timedelta(days=31))
        repeated = notify_expiring_keys(session, desk.clock.now + timedelta(days=32))
    with transaction(sessions, writing=False) as session:
        [notice] = session.scalars(select(OutboxMessage)).all()

    assert (early, due, repeated) == (0, 1, 0)
    assert (notice.channel, notice.kind, notice.recipient) == (
        "email",
        "cle_expire_bientot",
        "numerique@region.example",
    )
    assert notice.case_id is None


def test_the_siret_and_the_establishment_s_name_leave_with_the_person_the_commune_stays(desk: Desk) -> None:
    filed = desk.filed()
    sessions = session_factory(desk.database.engine)
    with transaction(sessions, writing=True) as session:
        case = session.get(CaseFile, uuid.UUID(filed["case_id"]))
        assert case is not None
        profile = copy.deepcopy(case.profile)
        profile["given"]["siret"] = "73282932000074"
        profile["resolved"]["lookup"] = {"siret": "73282932000074", "name": "DUPONT JEAN", "status": "ok"}
        case.profile = profile
    with transaction(sessions, writing=True) as session:
        erase_personal_data(session, EMAIL, desk.clock.now)
    with transaction(sessions, writing=False) as session:
        case = session.get(CaseFile, uuid.UUID(filed["case_id"]))
        assert case is not None
        kept = case.profile

    assert kept["given"]["siret"] is None
    assert kept["resolved"]["lookup"] == {"siret": None, "name": None, "status": "ok"}
    assert "73282932000074" not in json.dumps(kept)
    assert "DUPONT" not in json.dumps(kept)
    assert kept["resolved"]["territory"]["code"] == "32160"
    assert kept["resolved"]["territory"]["name"]
