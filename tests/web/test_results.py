from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from app.services.matching import MatchContext
from app.web.results import CARD_PARTS, GROUPS_PARTS
from bench.profiles import varied_profiles
from bench.web import as_page
from tests.web.page_reading import field_errors, text_of

MOREZ = {
    "commune": "Morez",
    "code_commune": "39368",
    "effectif": "30",
    "naf": "25.62A",
    "besoin": "recrutement",
}


def _results(client: TestClient, **extra: str) -> str:
    page = client.get("/resultats?" + urlencode({**MOREZ, **extra}))
    assert page.status_code == 200, page.text[:500]
    return page.text


def _asked(page: str) -> set[str]:
    """The questions the page asks: their fields have an id (the answers already given travel in hidden fields)."""
    return set(re.findall(r'id="rep\.([\w.+-]+?)(?:-\d+)?"', page))


def test_the_results_say_how_the_company_was_understood(client: TestClient) -> None:
    text = text_of(_results(client))

    assert "Hauts de Bienne" in text
    assert "vous avez indiqué « Morez »" in text
    assert "Haut-Jura" in text
    assert "Décolletage (25.62A" in text
    assert "30 salariés" in text


def test_to_be_settled_is_never_styled_as_ineligible(client: TestClient) -> None:
    page = _results(client)

    assert re.search(r'class="fr-badge fr-badge--info">à préciser<', page)
    assert not re.search(r'fr-badge--error">à préciser<', page)


def test_closed_and_ineligible_schemes_are_folded_in_details_that_open_without_javascript(
    client: TestClient,
) -> None:
    page = _results(client)

    assert re.search(r'<details class="guichet-group[^"]*" id="groupe-closed">', page)
    assert '<section class="fr-mb-4w" id="groupe-undetermined"' in page


def test_answered_questions_never_come_back_and_the_page_converges(client: TestClient) -> None:
    asked = _asked(_results(client))
    answers: dict[str, str] = {}
    for _ in range(10):
        assert not asked & answers.keys()
        if not asked:
            break
        question = sorted(asked)[0]
        answers[question] = "oui" if question.startswith("answers.") else _an_answer(question)
        asked = _asked(_results(client, **{f"rep.{k}": v for k, v in answers.items()}))
    assert answers


def _an_answer(question: str) -> str:
    return {
        "company.turnover_eur": "4500000",
        "company.balance_sheet_eur": "3000000",
        "project.investment_eur": "200000",
        "project.hire.degree_level": "bac+3",
        "project.hire.contract": "cdi",
        "project.hire.graduated_within_2_years": "oui",
    }.get(question, "oui")


def test_a_deadline_within_60_days_is_a_badge(client: TestClient) -> None:
    page = _results(client)

    assert re.search(r"clôture dans \d+ jours", page)


def test_the_filters_keep_the_profile_and_narrow_the_schemes(client: TestClient) -> None:
    everything = _results(client)
    open_only = _results(client, ouvert="1")

    assert "groupe-closed" in everything
    assert "groupe-closed" not in open_only
    assert 'name="code_commune" value="39368"' in open_only


def test_a_need_no_open_scheme_serves_is_said_plainly(client: TestClient) -> None:
    text = text_of(_results(client, besoin="export"))

    assert "Aucune aide ouverte à votre entreprise ne répond aujourd'hui au besoin « Exporter »" in text


def test_a_wrong_answer_in_a_shared_link_is_shown_next_to_its_field_not_as_an_error_500(client: TestClient) -> None:
    page = client.get("/resultats?" + urlencode({**MOREZ, "effectif": "trente"}))

    assert page.status_code == 422
    assert "nombre entier" in field_errors(page.text)["effectif"]
    assert 'value="trente"' in page.text


def test_each_card_asks_for_its_scheme_through_the_one_form_that_carries_the_profile(client: TestClient) -> None:
    page = _results(client)

    form = re.search(r'<form id="demande-aides" method="get" action="/demande">(.*?)</form>', page, re.S)
    assert form is not None
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))
    assert carried == MOREZ
    asked = re.findall(r'<button [^>]*form="demande-aides" name="dispositif" value="([\w-]+)"', page)
    assert "vte" in asked
    # the cards say nothing of the profile: the same card serves every company with that verdict
    assert "effectif=30" not in page.split('id="les-aides"', 1)[1].split('id="deposer"', 1)[0]


def test_a_scheme_page_opened_from_the_results_links_back_to_them(client: TestClient) -> None:
    results = "/resultats?" + urlencode(MOREZ)
    page = client.get("/dispositifs/vte", headers={"Referer": f"http://testserver{results}"}).text

    assert "Retour aux résultats" in page
    assert 'href="/resultats?commune=Morez&amp;code_commune=39368&amp;effectif=30' in page


def test_a_scheme_page_opened_from_another_site_has_no_way_back_to_results(client: TestClient) -> None:
    page = client.get("/dispositifs/vte", headers={"Referer": "https://evil.example/resultats?x=1"}).text

    assert "Retour aux résultats" not in page


MOREZ_BODY = {
    "territory": {"commune": "39368"},
    "company": {"headcount": 30, "naf": "25.62A"},
    "needs": ["recrutement"],
}


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({}, lambda scheme: scheme["verdict"] is not None),
        ({"filtre_verdict": "closed"}, lambda scheme: scheme["verdict"] == "closed"),
        ({"ouvert": "1"}, lambda scheme: scheme["verdict"] != "closed"),
        ({"filtre_besoin": "investissement"}, lambda scheme: "investissement" in scheme["needs"]),
    ],
)
def test_each_card_kept_by_the_filters_is_shown_in_its_place(
    client: TestClient,
    match_context: MatchContext,
    filters: dict[str, str],
    kept: Callable[[dict[str, Any]], bool],
) -> None:
    # The cards are shared parts put into the page at their slots: a filter that leaves some out
    # must show exactly the others, each where it belongs.
    needs_of = {scheme.id: set(scheme.needs) for scheme in match_context.catalogue.ordered}
    schemes = [
        {"id": r["scheme_id"], "verdict": r["verdict"], "needs": needs_of[r["scheme_id"]]}
        for r in client.post("/v1/match", json=MOREZ_BODY).json()["results"]
    ]

    page = _results(client, **filters)

    shown = re.findall(r'<article class="guichet-card[^"]*" id="dispositif-([\w-]+)"', page)
    assert shown == [s["id"] for s in schemes if kept(s)]
    assert shown or "Aucune aide ne correspond à ces filtres" in page


def test_pages_made_of_shared_groups_are_the_pages_rendered_from_nothing(
    client: TestClient, match_context: MatchContext
) -> None:
    # The groups of cards are rendered once per list of verdicts and filters, and shared: a page
    # made from them must be the very page rendered with every memo empty, for any profile.
    queries = [urlencode(as_page(body)) for body in varied_profiles(match_context, 40)]
    queries += [f"{queries[0]}&filtre_verdict=eligible", f"{queries[1]}&ouvert=1&filtre_besoin=investissement"]

    def page(query: str, afresh: bool = False) -> str:
        if afresh:
            GROUPS_PARTS.clear()
            CARD_PARTS.clear()
        answer = client.get("/resultats?" + query)
        assert answer.status_code == 200, answer.text[:300]
        return answer.text

    warm = [page(query) for query in queries]
    known = len(GROUPS_PARTS)
    assert [page(query) for query in queries] == warm
    assert len(GROUPS_PARTS) == known, "asking the same pages again must add nothing to the memo"
    assert [page(query, afresh=True) for query in queries] == warm
