"""The SME's whole journey in Chromium, with and without JavaScript: a 30-person décolletage company
in Morez (Jura) that recruits a Bac+3 engineer finds its aids, answers the questions on the page,
files a request, opens its tracking link and withdraws it.

Every page visited is screenshotted to var/screenshots/ and audited by axe-core (Visit.check).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser.chromium import Visit, send_home_form
from tests.web.browser.conftest import Browse

#: how the company answers what the page asks (question id -> value); any other question gets
#: "non" (yes or no) or its first choice: the journey goes on whatever the catalogue asks
ANSWERS = {
    "company.turnover_eur": "4 500 000",
    "company.balance_sheet_eur": "3 000 000",
    "project.investment_eur": "0",
    "project.hire.degree_level": "bac+3",
    "project.hire.contract": "cdi",
    "project.hire.graduated_within_2_years": "oui",
    "answers.vte-poste-responsabilite": "oui",
    "answers.vte-charte": "oui",
}
#: the answer to a question of date (the start of the project)
HIRING_DATE = "2027-01-15"
#: the page shows a few questions at a time; the catalogue asks far fewer rounds than this
MAX_ROUNDS = 10
#: the recruiting aid of a Territoire d'industrie that this company should not be refused
VTE = "vte"


def test_morez_recruiting_journey_with_javascript(browse: Browse) -> None:
    morez_journey(browse(), email="direction@decolletage-morez.fr")


def test_morez_recruiting_journey_without_javascript(browse: Browse) -> None:
    morez_journey(browse(javascript=False), email="methodes@decolletage-morez.fr")


def morez_journey(web: Visit, *, email: str) -> None:
    page = web.page
    web.goto("/")
    web.check("accueil")
    send_home_form(
        page,
        commune="Morez",
        effectif="30",
        activite="décolletage",
        besoins=("recrutement",),
        besoins_texte="Recruter un ingénieur méthodes (Bac+3)",
    )

    expect(page).to_have_url(re.compile(r"/resultats\?"))
    understood = page.locator("#entreprise")
    expect(understood).to_contain_text("vous avez indiqué « Morez »")
    expect(understood).to_contain_text("Haut-Jura")
    expect(understood).to_contain_text("25.62A")
    web.check("resultats")

    answer_every_question(web)
    expect(page.locator(f"#groupe-eligible #dispositif-{VTE}, #groupe-undetermined #dispositif-{VTE}")).to_have_count(1)

    file_and_withdraw(web, email=email)


def asked_questions(page: Page) -> list[str]:
    """The names of the questions on the page (the answers already given are hidden fields)."""
    if page.locator("#pour-preciser").count() == 0:
        return []
    form = page.locator("section[aria-labelledby='pour-preciser'] form")
    names: list[str] = form.locator("input:not([type='hidden']), select, textarea").evaluate_all(
        "fields => fields.map(f => f.name)"
    )
    return list(dict.fromkeys(names))


def answer_every_question(web: Visit) -> None:
    """Answers what the page asks, round after round, until nothing is left to ask; an answered
    question must never come back."""
    page = web.page
    answered: set[str] = set()
    for round_ in range(1, MAX_ROUNDS + 1):
        asked = asked_questions(page)
        if not asked:
            return
        again = answered.intersection(asked)
        assert not again, f"questions déjà répondues et posées de nouveau : {sorted(again)}"
        for name in asked:
            answer(page, name)
            answered.add(name)
        page.get_by_role("button", name="Mettre à jour les résultats").click()
        expect(page).to_have_url(re.compile(r"/resultats\?"))
        web.check(f"questions-{round_}")
    pytest.fail(f"encore des questions après {MAX_ROUNDS} tours : {asked_questions(page)}")


def answer(page: Page, name: str) -> None:
    question = name.removeprefix("rep.")
    field = page.locator(f"[name='{name}']:not([type='hidden'])")
    kind = field.first.get_attribute("type")
    if kind == "date":
        field.fill(ANSWERS.get(question, HIRING_DATE))
        return
    if kind != "radio":
        field.fill(ANSWERS.get(question, "0"))
        return
    values: list[str] = field.evaluate_all("radios => radios.map(r => r.value)")
    value = ANSWERS.get(question) or ("non" if "non" in values else values[0])
    radio_id = page.locator(f"input[type='radio'][name='{name}'][value='{value}']").get_attribute("id")
    # DSFR draws the radio on its label: the person clicks the label.
    page.locator(f"label[for='{radio_id}']").click()


def file_and_withdraw(web: Visit, *, email: str) -> None:
    page = web.page
    # The card's button sends the page's one form that carries the profile, with the scheme chosen.
    page.locator(f"#dispositif-{VTE}").get_by_role("button", name=re.compile("^Demander cette aide")).click()
    expect(page).to_have_url(re.compile(rf"/demande\?(?=.*\bdispositif={VTE}\b)(?=.*\beffectif=30\b)"))
    web.check("demande")
    expect(page.locator(f"#dispositif-{VTE}")).to_be_checked()
    page.get_by_label("Nom et prénom, ou fonction").fill("Dominique Exemple, directrice")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Téléphone (facultatif)").fill("03 84 00 00 00")
    page.get_by_role("textbox", name=re.compile("^Votre demande")).fill(
        "Nous recrutons un ingénieur méthodes (Bac+3) en CDI, jeune diplômé."
    )
    page.locator("label[for='consentement']").click()
    page.get_by_role("button", name="Envoyer ma demande").click()

    expect(page).to_have_url(re.compile(r"/suivi/"))
    expect(page.locator("#deposee")).to_contain_text("Votre demande est déposée")
    web.check("demande-deposee")
    link = page.locator("#deposee .guichet-link").inner_text().strip()
    assert link.startswith(web.base_url + "/suivi/"), link

    # The link as the SME finds it again later (a bookmark, the e-mail).
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi de votre demande")
    expect(page.locator("main")).to_contain_text("Volontariat Territorial en Entreprise")
    web.check("suivi")

    page.get_by_role("link", name="Retirer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer votre demande")
    web.check("retrait-confirmation")
    page.get_by_role("button", name="Oui, retirer ma demande").click()

    expect(page).to_have_url(re.compile(r"/suivi/.*retrait=1"))
    expect(page.locator("main")).to_contain_text("Votre demande est retirée")
    expect(page.get_by_role("link", name="Retirer ma demande")).to_have_count(0)
    web.check("retiree")
