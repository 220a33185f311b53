"""Dossier: the company as filed with today's catalogue compared, the applicant (never for an
admin), the moves the lifecycle allows, decline reasons, notes, assignment and rerouting, and a
stale form that shows the changes and writes nothing."""

from __future__ import annotations

import re
import uuid

from httpx2 import Response
from sqlalchemy import select

from app.cases.lifecycle import STAFF_TRANSITIONS, CaseStatus
from app.db import session_factory, transaction
from app.models import CaseFile, CaseNote
from app.services.tokens import Staff
from tests.case_desk import SAINT_CLAUDE, Desk
from tests.web.desk.desk_site import GERS_TI, JURA_TI, edit_case, gers_lead, sign_in
from tests.web.page_reading import csrf_of, field_errors, text_of

__all__ = ["gers_lead"]


def page_of(desk: Desk, case_id: str) -> str:
    page = desk.client.get(f"/espace/dossiers/{case_id}")
    assert page.status_code == 200, page.text
    return page.text


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found
    return found.group(1)


def send(desk: Desk, case_id: str, form: str, page: str | None = None, **data: str) -> Response:
    """The form `form` of the case page, as read in `page` (the page now when not given)."""
    page = page or page_of(desk, case_id)
    fields = {"csrf_token": csrf_of(page), "version": version_of(page), **data}
    return desk.client.post(f"/espace/dossiers/{case_id}/{form}", data=fields, follow_redirects=False)


def stored(desk: Desk, case_id: str) -> CaseFile:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return session.get_one(CaseFile, uuid.UUID(case_id))


def test_the_case_shows_the_company_as_filed_the_applicant_and_the_history(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    page = page_of(desk, case_id)
    words = text_of(page)
    assert "L'Isle-Jourdain (32160)" in words
    assert "Décolletage (25.62A)" in words
    assert "Effectif 45 salariés" in words
    assert "Catégorie PME" in words
    assert "Camille Exemple" in words
    assert "Nous voulons recruter un technicien méthodes." in words
    assert "30/11/2026 09:00 — Demandeur : Demande déposée" in words
    assert "Le catalogue d'aujourd'hui donne les mêmes résultats pour ce profil." in words
    assert page.count("<h1") == 1


def test_the_page_says_what_changed_in_todays_catalogue(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    verdicts = stored(desk, case_id).verdicts
    # Filed with other results: one scheme was ineligible then, another one was not evaluated.
    results = verdicts["results"]
    changed, dropped = results[0]["scheme_id"], results[1]["scheme_id"]
    results[0] = {"scheme_id": changed, "verdict": "ineligible"}
    del results[1]
    results.append({"scheme_id": "dispositif-retire", "verdict": "eligible"})
    edit_case(desk, case_id, verdicts={**verdicts, "results": results}, catalogue_version="ancienne")
    words = text_of(page_of(desk, case_id))
    assert "version ancienne du catalogue" in words
    assert "Le catalogue a changé depuis le dépôt : 3 résultats différents pour ce profil" in words
    name = desk.context.catalogue.schemes[changed].definition.name
    assert re.search(rf"{re.escape(name)} non éligible à préciser", words)
    assert f"{desk.context.catalogue.schemes[dropped].definition.name} non évalué à préciser" in words
    assert "dispositif-retire éligible non évalué" in words


def test_a_scheme_closed_since_filing_is_a_change_of_results_with_the_same_catalogue(
    desk: Desk, gers_lead: Staff
) -> None:
    case_id = desk.filed()["case_id"]
    desk.clock.advance(days=21)  # 21 December: « Première Usine » closed on the 15th
    words = text_of(page_of(desk, case_id))
    assert "Les résultats ont changé depuis le dépôt (même catalogue : un dispositif a ouvert ou fermé depuis)" in words
    assert "France 2030 : appel à projets « Première Usine » à préciser fermé" in words


def test_the_buttons_are_the_moves_the_lifecycle_allows_from_the_status(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    for status in CaseStatus:
        edit_case(desk, case_id, status=status)
        page = page_of(desk, case_id)
        offered = set(re.findall(r'name="statut" value="(\w+)"', page))
        assert offered == set(STAFF_TRANSITIONS[status]), status


def test_a_move_is_made_and_the_page_says_so(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    answer = send(desk, case_id, "statut", statut="acknowledged", note_statut="Appelé ce matin")
    assert answer.status_code == 303
    assert stored(desk, case_id).status == "acknowledged"
    words = text_of(desk.client.get(answer.headers["location"]).text)
    assert "Le statut est changé." in words
    assert "Statut « Déposée » → « Prise en compte » (« Appelé ce matin »)" in words


def test_a_move_the_lifecycle_does_not_allow_is_refused_and_nothing_is_written(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    refused = send(desk, case_id, "statut", statut="closed")
    assert refused.status_code == 409
    assert "passage de « Déposée » à « Clôturée » non permis" in text_of(refused.text)
    assert stored(desk, case_id).status == "submitted"


def test_declining_asks_for_a_reason_and_a_text_with_autre(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    missing = send(desk, case_id, "statut", statut="declined")
    assert missing.status_code == 422
    assert "motif de refus obligatoire" in field_errors(missing.text)["motif"]
    assert 'href="#motif-groupe"' in missing.text
    other = send(desk, case_id, "statut", statut="declined", motif="autre", explication="  ")
    assert other.status_code == 422
    assert "explication est obligatoire" in field_errors(other.text)["explication"]
    assert 'value="autre" checked' in other.text
    assert stored(desk, case_id).status == "submitted"
    unreachable = send(desk, case_id, "statut", statut="declined", motif="injoignable")
    assert unreachable.status_code == 303
    case = stored(desk, case_id)
    assert (case.status, case.decline_reason) == ("declined", "injoignable")
    assert "Motif du refus Nous n'avons pas pu joindre l'entreprise" in text_of(page_of(desk, case_id))


def test_a_stale_form_shows_what_changed_and_writes_nothing(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    opened = page_of(desk, case_id)
    assert send(desk, case_id, "statut", statut="acknowledged").status_code == 303
    stale = send(desk, case_id, "statut", opened, statut="declined", motif="doublon")
    assert stale.status_code == 409
    words = text_of(stale.text)
    assert "Rien n'a été enregistré" in words
    assert "Chef de projet Gers : Statut « Déposée » → « Prise en compte »" in words
    assert stored(desk, case_id).status == "acknowledged"
    # Asked again: the page's forms now carry the current version, and what was chosen is kept.
    assert version_of(stale.text) == "2"
    assert 'value="doublon" checked' in stale.text
    assert send(desk, case_id, "statut", stale.text, statut="declined", motif="doublon").status_code == 303
    assert stored(desk, case_id).status == "declined"


def test_a_note_is_added_and_shown(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    assert send(desk, case_id, "note", note="À rappeler jeudi").status_code == 303
    assert "À rappeler jeudi" in text_of(page_of(desk, case_id))
    empty = send(desk, case_id, "note", note="")
    assert empty.status_code == 422
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        assert len(session.scalars(select(CaseNote)).all()) == 1


def test_a_case_is_assigned_to_a_colleague_of_its_queue_only(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    _, colleague = desk.token(ti=(GERS_TI,), holder="Collègue du Gers")
    _, stranger = desk.token(ti=(JURA_TI,), holder="Collègue du Jura")
    page = page_of(desk, case_id)
    assert f'value="{colleague}"' in page
    assert f'value="{stranger}"' not in page
    assert send(desk, case_id, "attribution", collegue=str(colleague)).status_code == 303
    assert stored(desk, case_id).assignee_id == colleague
    refused = send(desk, case_id, "attribution", collegue=str(stranger))
    assert refused.status_code == 422
    assert "aucun collègue actif" in field_errors(refused.text)["collegue"]


def test_a_case_is_rerouted_with_a_reason(desk: Desk, gers_lead: Staff) -> None:
    case_id = desk.filed()["case_id"]
    no_reason = send(desk, case_id, "reorientation", file="ti:haut-jura", raison="")
    assert no_reason.status_code == 422
    assert "raison" in field_errors(no_reason.text)
    moved = send(desk, case_id, "reorientation", file="ti:haut-jura", raison="Établissement à Morez")
    assert moved.status_code == 303
    assert stored(desk, case_id).queue_id == "ti:haut-jura"
    # Now outside the person's queues: the page of a missing case.
    assert desk.client.get(f"/espace/dossiers/{case_id}").status_code == 404


def test_the_haut_jura_lead_gets_the_same_404_for_a_gers_case_as_for_a_missing_one(desk: Desk) -> None:
    gers = desk.filed()["case_id"]
    sign_in(desk, ti=(JURA_TI,))
    out_of_reach = desk.client.get(f"/espace/dossiers/{gers}")
    missing = desk.client.get(f"/espace/dossiers/{uuid.uuid4()}")
    malformed = desk.client.get("/espace/dossiers/pas-un-dossier")
    assert out_of_reach.status_code == missing.status_code == malformed.status_code == 404
    assert out_of_reach.text == missing.text == malformed.text
    # Nor can it be changed: a form sent to it is answered by the same page, nothing written.
    own = desk.filed(SAINT_CLAUDE)["case_id"]
    refused = send(desk, gers, "note", page_of(desk, own), note="Vu")
    assert refused.status_code == 404
    assert refused.text == missing.text


def test_an_admin_never_sees_the_applicants_contact_nor_message(desk: Desk) -> None:
    case_id = desk.filed(
        SAINT_CLAUDE, profile={"territory": {"commune": SAINT_CLAUDE}, "needs_text": "former nos soudeurs"}
    )["case_id"]
    sign_in(desk, "admin", holder="Administratrice")
    page = page_of(desk, case_id)
    assert "Camille" not in page
    assert "camille.exemple" not in page
    assert "technicien" not in page
    assert "former nos soudeurs" not in page
    assert "réservés à la file du dossier" in text_of(page)
