from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.catalogue.scheme import BenefitKind
from app.rules.condition import in_words
from app.services.matching import MatchContext
from tests.web.page_reading import text_of

#: a scheme whose sources disagree (catalogue/schemes/vte.yaml, `conflicts:`)
WITH_CONFLICTS = "vte"
#: a call for projects closed on 31 March 2022
CLOSED = "ami-ti-4-0"


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_the_list_names_every_scheme_of_the_catalogue_with_its_operator_and_state_today(
    client: TestClient, match_context: MatchContext
) -> None:
    page = client.get("/dispositifs")

    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert page.text.count("<h1") == 1
    for scheme in match_context.catalogue.ordered:
        assert f'href="/dispositifs/{scheme.id}"' in page.text
    row = re.search(rf'<tr>\s*<th scope="row"><a href="/dispositifs/{CLOSED}">.*?</tr>', page.text, re.S)
    assert row is not None
    assert "Fermé" in text_of(row.group(0))
    assert "Banque des Territoires" in text_of(row.group(0))


def test_the_list_is_in_french_alphabetical_order(client: TestClient, match_context: MatchContext) -> None:
    page = client.get("/dispositifs").text
    names = [
        match_context.catalogue.schemes[i].definition.name
        for i in re.findall(r'<th scope="row"><a href="/dispositifs/([\w-]+)"', page)
    ]

    assert names.index("i-Démo régionalisé en Bourgogne-Franche-Comté (France 2030)") < names.index(
        "Passerelles Industries (Occitanie)"
    )


def test_the_list_says_the_catalogue_does_not_hold_every_aid_and_the_territories_loaded_are_partial(
    client: TestClient,
) -> None:
    text = text_of(client.get("/dispositifs").text)

    assert "Ce catalogue ne recense pas toutes les aides" in text
    assert "La liste des Territoires d'industrie chargée est partielle" in text


def test_a_scheme_page_tells_what_it_brings_to_whom_and_how_to_apply(client: TestClient) -> None:
    page = client.get(f"/dispositifs/{WITH_CONFLICTS}")

    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert page.text.count("<h1") == 1
    text = text_of(page.text)
    assert "Volontariat Territorial en Entreprise (VTE)" in text
    assert f"{BenefitKind.GRANT.label.capitalize()} pour l'entreprise qui recrute" in text
    assert "4 000 € par recrutement" in text  # spaces of any width, as text_of reads them
    assert "Besoins auxquels il répond : Recruter" in text
    assert "Démarche : demande en ligne." in text
    assert "Informations vérifiées le 30/11/2026" in text


def test_conditions_are_worded_as_the_match_words_them(client: TestClient, match_context: MatchContext) -> None:
    text = text_of(client.get(f"/dispositifs/{WITH_CONFLICTS}").text)

    for condition in match_context.catalogue.schemes[WITH_CONFLICTS].rules.conditions:
        wording = in_words(condition)
        assert f"{wording.label} : {wording.expected}" in text
        for part in wording.parts:
            assert f"{part.label} : {part.expected}" in text


def test_a_scheme_with_conflicting_sources_shows_each_value_with_its_sources_and_what_the_guichet_does(
    client: TestClient, match_context: MatchContext
) -> None:
    page = client.get(f"/dispositifs/{WITH_CONFLICTS}").text
    text = text_of(page)
    definition = match_context.catalogue.schemes[WITH_CONFLICTS].definition
    numbers = {s.id: n for n, s in enumerate(definition.sources, start=1)}

    assert "Désaccords entre les sources" in text
    assert "Niveau de diplôme minimum de la recrue" in text
    assert f"« Bac+2 » selon les sources {numbers['vte-france-2020']} et {numbers['ocde-2023']}" in text
    assert f"« Bac+3 » selon les sources {numbers['bdt-2023']} et {numbers['experts-2023']}" in text
    assert "Ce qu'en fait le guichet : Bac+3 ou plus : critère rempli." in text
    assert 'href="#source-vte-france-2020"' in page


def test_every_source_is_listed_with_what_it_supports_and_the_day_it_was_read(
    client: TestClient, match_context: MatchContext
) -> None:
    page = client.get(f"/dispositifs/{WITH_CONFLICTS}").text
    text = text_of(page)

    for source in match_context.catalogue.schemes[WITH_CONFLICTS].definition.sources:
        assert f'<li id="source-{source.id}"><a href="{source.url}"' in page
        assert f"lue le {source.read_on:%d/%m/%Y}" in text
        assert text_of(source.supports) in text


def test_what_no_source_says_is_listed_as_to_be_confirmed(client: TestClient, match_context: MatchContext) -> None:
    text = text_of(client.get(f"/dispositifs/{WITH_CONFLICTS}").text)

    assert "Ce qu'aucune source ne dit" in text
    for item in match_context.catalogue.schemes[WITH_CONFLICTS].definition.to_confirm:
        assert text_of(item) in text


def test_amounts_no_source_fixes_are_to_be_confirmed_with_the_operator(client: TestClient) -> None:
    text = text_of(client.get("/dispositifs/aide-gaz-electricite").text)

    assert "(montant à confirmer auprès de l'opérateur)" in text


def test_a_closed_scheme_says_it_is_closed_and_when(client: TestClient) -> None:
    text = text_of(client.get(f"/dispositifs/{CLOSED}").text)

    assert "Fermé" in text
    assert "Ce dispositif n'est pas ouvert aujourd'hui" in text
    assert "Clôture : le 31/03/2022" in text


def test_a_scheme_closed_at_the_latest_on_a_day_says_so(client: TestClient) -> None:
    text = text_of(client.get("/dispositifs/ami-ecoles-de-production").text)

    assert "clos au plus tard le 01/01/2024, date exacte inconnue" in text


def test_an_unknown_scheme_is_a_french_404_page(client: TestClient) -> None:
    page = client.get("/dispositifs/dispositif-inconnu")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Dispositif introuvable" in page.text
    assert "« dispositif-inconnu »" in text_of(page.text)


def test_the_breadcrumb_is_plain_links_that_work_without_javascript(client: TestClient) -> None:
    page = client.get(f"/dispositifs/{WITH_CONFLICTS}").text
    crumb = page[page.index('class="fr-breadcrumb"') : page.index("</nav>", page.index('class="fr-breadcrumb"'))]

    # DSFR's collapse hides the list until its script-driven button is pressed.
    assert "fr-collapse" not in crumb
    assert "<button" not in crumb
    assert '<a class="fr-breadcrumb__link" href="/">Accueil</a>' in crumb
    assert '<a class="fr-breadcrumb__link" href="/dispositifs">Dispositifs</a>' in crumb
    assert 'aria-current="page">Volontariat Territorial' in crumb


def test_a_scheme_reached_from_the_results_links_back_to_them(client: TestClient) -> None:
    results = "/resultats?commune=Morez&code_commune=39368&effectif=30&besoin=recrutement"
    page = client.get(f"/dispositifs/{WITH_CONFLICTS}?retour={quote(results)}").text

    assert "Retour aux résultats" in page
    assert 'href="/resultats?commune=Morez&amp;code_commune=39368&amp;effectif=30&amp;besoin=recrutement"' in page


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example",
        "https://evil.example/resultats?x=1",
        "//evil.example/resultats",
        "/\\evil.example/resultats",
        "javascript:alert(1)//resultats",
        "/resultats/../admin",
        "/autre-page?x=1",
        "/resultats?x=1\nLocation: https://evil.example",
    ],
)
def test_a_return_address_other_than_the_results_page_is_ignored(client: TestClient, elsewhere: str) -> None:
    page = client.get(f"/dispositifs/{WITH_CONFLICTS}", params={"retour": elsewhere})

    assert page.status_code == 200
    assert "Retour aux résultats" not in page.text
    assert "evil.example" not in _main(page.text)
