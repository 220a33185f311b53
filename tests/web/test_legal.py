from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services.matching import MatchContext
from app.web.security import CSRF_COOKIE
from tests.conftest import settings_with
from tests.web.page_reading import text_of

FOOTER_PAGES = ("/accessibilite", "/mentions-legales", "/donnees-personnelles", "/plan-du-site")


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture(scope="module")
def declared(match_context: MatchContext) -> Iterator[TestClient]:
    """An instance whose operator has named itself, its host and its contact address."""
    settings = settings_with(
        sirene_url="",
        publisher_name="Région Bourgogne-Franche-Comté",
        publisher_address="4 square Castan, 25031 Besançon",
        hosting_name="Hébergeur public",
        hosting_address="1 rue du Serveur, 75000 Paris",
        contact_email="guichet@example.fr",
    )
    with TestClient(create_app(settings, context=match_context)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", FOOTER_PAGES)
def test_each_footer_page_is_a_french_page_with_one_title(client: TestClient, path: str) -> None:
    page = client.get(path)

    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert page.text.count("<h1") == 1
    assert f'href="{path}"' in page.text  # the footer links it


def test_the_accessibility_statement_is_partial_conformity_without_a_rate_nobody_measured(client: TestClient) -> None:
    text = text_of(client.get("/accessibilite").text)

    assert "partiellement conforme" in text
    assert "RGAA" in text
    assert "Aucun audit de conformité complet" in text
    assert re.search(r"\d+ ?% des critères", text) is None
    assert "axe-core" in text
    assert "au clavier seul" in text
    assert "Cette déclaration a été établie le 30 novembre 2026." in text
    for technology in ("HTML5", "CSS", "JavaScript, facultatif"):
        assert technology in text
    assert "Retour d'information et contact" in text
    assert "Défenseur des droits" in text


def test_an_instance_that_has_not_named_its_publisher_says_so(client: TestClient) -> None:
    text = text_of(client.get("/mentions-legales").text)

    assert (
        "Éditeur non renseigné : l'organisme qui exploite cette instance doit le préciser (GUICHET_PUBLISHER_NAME)."
        in text
    )
    assert "Hébergeur non renseigné" in text
    assert "(GUICHET_CONTACT_EMAIL)" in text


def test_the_legal_notice_names_the_publisher_and_host_the_instance_declares(declared: TestClient) -> None:
    page = declared.get("/mentions-legales").text
    text = text_of(page)

    assert "Éditeur : Région Bourgogne-Franche-Comté" in text
    assert "Adresse : 4 square Castan, 25031 Besançon" in text
    assert "Hébergeur : Hébergeur public" in text
    assert 'href="mailto:guichet@example.fr"' in page
    assert "non renseigné" not in text


def test_the_legal_notice_states_the_licences_and_the_sources_of_the_data(client: TestClient) -> None:
    text = text_of(client.get("/mentions-legales").text)

    assert "licence MIT" in text
    assert "Etalab 2.0" in text
    for source in (
        "SIRENE",
        "API Recherche d'entreprises",
        "@etalab/decoupage-administratif",
        "NAF",
        "liste partielle",
    ):
        assert source in text


def test_the_personal_data_notice_says_what_why_who_how_long_and_how_to_exercise_ones_rights(
    declared: TestClient,
) -> None:
    page = declared.get("/donnees-personnelles").text
    text = text_of(page)

    for collected in ("nom", "adresse e-mail", "téléphone", "message", "SIRET"):
        assert collected in text
    assert "consentement" in text
    assert "jamais les coordonnées ni le message" in text
    assert "anonymisée 36 mois après sa clôture" in text
    for right in ("accès", "rectification", "effacement", "retirer votre consentement"):
        assert right in text
    assert 'href="mailto:guichet@example.fr"' in page
    assert "CNIL" in text
    assert "Aucune mesure d'audience" in text


def test_the_only_cookie_the_pages_set_is_the_technical_one_the_notice_names(client: TestClient) -> None:
    notice = text_of(client.get("/donnees-personnelles").text)
    cookies = {
        header.split("=", 1)[0]
        for path in ("/", "/dispositifs", "/dispositifs/vte", *FOOTER_PAGES)
        # a first visit each time: a browser without any cookie of the site
        for header in TestClient(client.app).get(path).headers.get_list("set-cookie")
    }

    assert cookies == {CSRF_COOKIE}
    assert CSRF_COOKIE in notice


def _site_map_links(client: TestClient) -> list[str]:
    return re.findall(r'href="([^"#]+)"', _main(client.get("/plan-du-site").text))


def test_every_link_of_the_site_map_answers(client: TestClient) -> None:
    links = _site_map_links(client)

    assert links
    for link in links:
        assert client.get(link).status_code == 200, link


def _pages_reached_by_links(client: TestClient) -> set[str]:
    """Every page a visitor reaches by following the site's own links from the home page."""
    reached: set[str] = set()
    waiting = ["/"]
    while waiting:
        path = waiting.pop()
        if path in reached:
            continue
        reached.add(path)
        page = client.get(path)
        if page.headers["content-type"].startswith("text/html"):
            # Addresses with parameters carry a company's description: the map cannot link them.
            waiting += re.findall(r'href="(/(?!static/|v1/)[^"#?]*)"', page.text)
    return reached


def test_the_site_map_links_every_page_a_visitor_can_reach_and_every_scheme(
    client: TestClient, match_context: MatchContext
) -> None:
    links = set(_site_map_links(client))
    reached = _pages_reached_by_links(client)

    assert {"/", "/dispositifs", "/docs", *FOOTER_PAGES} <= reached
    assert reached <= links
    assert {f"/dispositifs/{s.id}" for s in match_context.catalogue.ordered} <= links
