"""The pages around the journey in Chromium: the footer's pages, the schemes, the error page, /docs."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.browser.conftest import Browse

#: the footer's links, followed as a person would (and the page each leads to)
FOOTER = {
    "Plan du site": "plan-du-site",
    "Accessibilité : partiellement conforme": "accessibilite",
    "Mentions légales": "mentions-legales",
    "Données personnelles": "donnees-personnelles",
}


def test_every_footer_link_leads_to_its_page(browse: Browse) -> None:
    web = browse()
    page = web.page
    for link, name in FOOTER.items():
        web.goto("/")
        page.locator("footer").get_by_role("link", name=link, exact=True).click()
        expect(page).to_have_url(re.compile(f"/{name}$"))
        web.check(name)


def test_the_schemes_their_fiche_and_the_missing_page(browse: Browse) -> None:
    web = browse()
    page = web.page
    web.goto("/dispositifs")
    web.check("dispositifs")
    page.locator("main a[href='/dispositifs/vte']").first.click()
    expect(page).to_have_url(re.compile("/dispositifs/vte$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Volontariat Territorial en Entreprise")
    web.check("fiche-vte")

    response = web.goto("/page-qui-n-existe-pas")
    assert response is not None
    assert response.status == 404
    web.check("page-introuvable")


def test_the_api_documentation_is_served_by_the_service_itself(browse: Browse) -> None:
    """Swagger UI, for the partners' developers: every asset from the service, its one inline script
    allowed by the CSP. Not audited by axe: its own markup has contrasts of 3.75:1, buttons inside
    buttons and no lang, which the guichet does not patch."""
    web = browse(journey="docs")
    page = web.page
    web.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Guichet unique")
    expect(page.locator(".opblock").first).to_be_visible()
    web.check("swagger-ui", guichet_page=False)


#: WCAG 1.4.10 (RGAA 10.11): content readable at 320 CSS pixels without scrolling sideways
NARROW = 320
NARROW_PAGES = {
    "accueil": "/",
    "resultats": "/resultats?commune=Morez&code_commune=39368&effectif=30&naf=25.62A&besoin=recrutement",
    "demande": "/demande?commune=Morez&code_commune=39368&effectif=30&naf=25.62A&besoin=recrutement",
    "fiche-vte": "/dispositifs/vte",
    "accessibilite": "/accessibilite",
}


def test_the_pages_fit_a_320_pixel_wide_screen(browse: Browse) -> None:
    web = browse(width=NARROW)
    page = web.page
    too_wide = {}
    for name, path in NARROW_PAGES.items():
        web.goto(path)
        web.check(f"{NARROW}px-{name}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > NARROW:
            too_wide[name] = width
    assert not too_wide, f"pages plus larges que {NARROW} px (défilement horizontal) : {too_wide}"
