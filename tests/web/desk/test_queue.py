"""File d'attente: the person's cases by tab with their counts, filters in the URL, search, overdue
cases with why, pagination, and an earlier request from the same company or address flagged."""

from __future__ import annotations

import re

from app.services.tokens import Staff
from tests.case_desk import ISLE_JOURDAIN, SAINT_CLAUDE, Desk
from tests.web.desk.desk_site import JURA_TI, edit_case, gers_lead, sign_in, with_company
from tests.web.page_reading import text_of

__all__ = ["gers_lead"]


def contact(email: str) -> dict[str, object]:
    return {"name": "Camille Exemple", "email": email, "phone": None, "consent": True}


def case_links(page: str) -> list[str]:
    return re.findall(r'href="/espace/dossiers/([0-9a-f-]{36})">Demande du', page)


def earlier_links(page: str) -> dict[str, str | None]:
    """Each listed case, and the earlier request its row links to."""
    links: dict[str, str | None] = {}
    for row in page.split("<tr>")[2:]:
        ids = re.findall(r'href="/espace/dossiers/([0-9a-f-]{36})"', row)
        links[ids[0]] = ids[1] if len(ids) > 1 else None
    return links


def test_the_queue_lists_the_persons_cases_oldest_first_with_the_count_of_every_tab(
    desk: Desk, gers_lead: Staff
) -> None:
    first = desk.filed(contact=contact("a@exemple.fr"))["case_id"]
    desk.clock.advance(hours=1)
    second = desk.filed(contact=contact("b@exemple.fr"))["case_id"]
    desk.filed(SAINT_CLAUDE)  # the Haut-Jura's queue: not this person's
    edit_case(desk, second, status="in_review")
    page = desk.client.get("/espace/file")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    words = text_of(page.text)
    assert "À traiter (1)" in words
    assert "En cours (1)" in words
    assert "Orientées (0)" in words
    assert "Clôturées (0)" in words
    assert case_links(page.text) == [first]
    assert case_links(desk.client.get("/espace/file?onglet=en-cours").text) == [second]
    edit_case(desk, second, status="closed")
    # A closed request no longer waits.
    assert "jours ouvrés" not in text_of(desk.client.get("/espace/file?onglet=cloturees").text).split("Attente")[1]
    assert page.text.count("<h1") == 1
    assert "<caption>" in page.text
    assert 'scope="col"' in page.text


def test_filters_are_kept_in_the_links_and_narrow_every_tab_count(desk: Desk, gers_lead: Staff) -> None:
    vte = desk.filed(contact=contact("a@exemple.fr"))["case_id"]
    desk.filed(scheme_ids=[], contact=contact("b@exemple.fr"))
    page = desk.client.get("/espace/file?dispositif=vte&ti=gers-tarn-et-garonne")
    assert case_links(page.text) == [vte]
    assert "À traiter (1)" in text_of(page.text)
    assert 'href="/espace/file?onglet=en-cours&amp;dispositif=vte&amp;ti=gers-tarn-et-garonne"' in page.text
    assert '<option value="vte" selected>' in page.text
    # An unknown value is dropped, not a 500.
    assert len(case_links(desk.client.get("/espace/file?dispositif=inconnu&page=zz").text)) == 2


def test_search_finds_a_company_by_name_or_by_siret(desk: Desk, gers_lead: Staff) -> None:
    found = desk.filed(contact=contact("a@exemple.fr"))["case_id"]
    other = desk.filed(contact=contact("b@exemple.fr"))["case_id"]
    with_company(desk, found, "DÉCOLLETAGE DU GERS", "73282932000074")
    with_company(desk, other, "Fonderie d'Auch", "35600000000048")
    assert case_links(desk.client.get("/espace/file?recherche=décolletage").text) == [found]
    assert case_links(desk.client.get("/espace/file?recherche=732+829+320").text) == [found]
    assert case_links(desk.client.get("/espace/file?recherche=fonderie").text) == [other]
    assert case_links(desk.client.get("/espace/file?recherche=100%25").text) == []
    assert "DÉCOLLETAGE DU GERS" in desk.client.get("/espace/file").text


def test_an_overdue_case_says_why_and_how_many_working_days_it_waits(desk: Desk, gers_lead: Staff) -> None:
    desk.filed(contact=contact("a@exemple.fr"))  # Monday 30 November 2026
    desk.clock.advance(days=8)  # Tuesday 8 December: 6 working days later
    fresh = desk.filed(contact=contact("b@exemple.fr"))["case_id"]
    page = desk.client.get("/espace/file")
    words = text_of(page.text)
    assert "6 jours ouvrés En retard déposée depuis plus de 5 jours ouvrés sans être prise en compte" in words
    late = desk.client.get("/espace/file?retard=oui")
    assert len(case_links(late.text)) == 1
    assert fresh not in late.text
    assert "À traiter (1)" in text_of(late.text)


def test_the_queue_is_paginated(desk: Desk, gers_lead: Staff) -> None:
    for n in range(21):
        desk.filed(contact=contact(f"p{n}@exemple.fr"))
        desk.clock.advance(minutes=1)
    first = desk.client.get("/espace/file")
    assert len(case_links(first.text)) == 20
    assert "page 1 sur 2" in text_of(first.text)
    assert 'href="/espace/file?onglet=a-traiter&amp;page=2"' in first.text
    assert len(case_links(desk.client.get("/espace/file?onglet=a-traiter&page=2").text)) == 1


def test_a_request_from_an_address_or_a_siret_that_filed_in_the_last_90_days_links_to_the_earlier_one(
    desk: Desk, gers_lead: Staff
) -> None:
    old = desk.filed(contact=contact("a@exemple.fr"))["case_id"]
    desk.clock.advance(days=100)
    earlier = desk.filed(scheme_ids=[], contact=contact("A@exemple.fr"))["case_id"]
    desk.clock.advance(days=10)
    repeat = desk.filed(contact=contact("c@exemple.fr"))["case_id"]
    with_company(desk, earlier, "Usinage", "73282932000074")
    with_company(desk, repeat, "Usinage", "73282932000074")
    page = desk.client.get("/espace/file").text
    # 100 days apart (even from the same address, whatever its case): not flagged; 10 days, the same SIRET: flagged.
    assert earlier_links(page) == {old: None, earlier: None, repeat: earlier}
    assert "(même SIRET)" in page


def test_a_request_from_an_address_that_filed_weeks_before_links_to_it(desk: Desk, gers_lead: Staff) -> None:
    first = desk.filed(contact=contact("Camille@Exemple.fr"))["case_id"]
    desk.clock.advance(days=60)
    again = desk.filed(scheme_ids=[], contact=contact("camille@exemple.fr"))["case_id"]
    page = desk.client.get("/espace/file").text
    assert earlier_links(page) == {first: None, again: first}
    assert "(même adresse e-mail)" in page


def test_a_lead_never_sees_another_territorys_cases_and_an_admin_sees_all(desk: Desk) -> None:
    desk.filed()
    sign_in(desk, ti=(JURA_TI,))
    assert case_links(desk.client.get("/espace/file").text) == []
    sign_in(desk, "admin")
    assert len(case_links(desk.client.get("/espace/file").text)) == 1


def test_the_desk_is_refused_to_whoever_is_not_signed_in(desk: Desk) -> None:
    case_id = desk.filed(ISLE_JOURDAIN)["case_id"]
    for path in ("/espace/file", f"/espace/dossiers/{case_id}", "/espace/indicateurs", "/espace/indicateurs.csv"):
        # Refused, or sent to the sign-in page: never the desk's content.
        page = desk.client.get(path, follow_redirects=False)
        assert page.status_code in (303, 401), path
        assert case_id not in page.text
