"""The home form in Chromium: homonym communes, the SIRET read from the directory, errors, the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fake_directory import SIRET_SAVE_JURA, FakeDirectory
from tests.web.browser.chromium import send_home_form
from tests.web.browser.conftest import Browse

#: a SIRET whose last digit breaks the Luhn key of SIRET_SAVE_JURA
BAD_KEY_SIRET = SIRET_SAVE_JURA[:-1] + str((int(SIRET_SAVE_JURA[-1]) + 1) % 10)
#: Tab presses allowed to reach a field: the header and the form are a few dozen stops long
MAX_TABS = 60


def test_an_ambiguous_commune_offers_its_homonyms_and_the_jura_one_can_be_chosen(browse: Browse) -> None:
    web = browse()
    page = web.page
    web.goto("/")
    send_home_form(page, commune="Saint-Claude", effectif="30")

    choice = page.get_by_role("group", name=re.compile("Plusieurs communes portent ce nom"))
    expect(choice).to_be_visible()
    expect(choice.get_by_role("radio")).to_have_count(2)
    expect(page.locator("#resume-erreurs")).to_contain_text("Saint-Claude")
    expect(page.get_by_label("Commune de l'établissement")).to_have_value("Saint-Claude")
    web.check("homonymes")

    choice.locator("label", has_text="Saint-Claude (39").click()
    page.get_by_role("button", name="Voir les aides").click()
    expect(page).to_have_url(re.compile(r"/resultats\?.*code_commune=39478"))
    expect(page.locator("#entreprise")).to_contain_text("Saint-Claude")
    expect(page.locator("#entreprise")).to_contain_text("Haut-Jura")
    web.check("resultats-saint-claude-39")


def test_a_siret_fills_the_form_with_what_the_directory_read_each_value_correctable(
    browse: Browse, directory: FakeDirectory
) -> None:
    web = browse()
    page = web.page
    web.goto("/")
    send_home_form(page, siret=SIRET_SAVE_JURA)

    read = page.locator("#lu-annuaire")
    expect(read).to_contain_text("ATELIERS MECANIQUES DE LA SAVE")
    expect(read).to_contain_text("Saint-Claude (39)")
    expect(read).to_contain_text("22.29A")
    expect(read).to_contain_text(re.compile(r"mise à jour par l'INSEE le \d{2}/\d{2}/\d{4}"))
    expect(page.get_by_label("Commune de l'établissement")).to_have_value(re.compile("Saint-Claude"))
    expect(page.get_by_label("Activité (facultatif)")).to_have_value("22.29A")
    web.check("siret-lu")

    # The SME corrects what the directory says: another commune, its headcount, its real trade.
    send_home_form(page, commune="Morez", effectif="30", activite="décolletage")

    expect(page).to_have_url(re.compile(r"/resultats\?"))
    assert SIRET_SAVE_JURA not in page.url, "le SIRET ne doit pas être dans l'adresse des résultats"
    understood = page.locator("#entreprise")
    expect(understood).to_contain_text("vous avez indiqué « Morez »")
    expect(understood).to_contain_text("25.62A")
    expect(understood).to_contain_text("30 salariés")
    web.check("resultats-corriges")


def test_a_bad_siret_key_is_said_in_the_summary_and_next_to_the_field(browse: Browse) -> None:
    web = browse()
    page = web.page
    web.goto("/")
    send_home_form(page, siret=BAD_KEY_SIRET, commune="Morez", effectif="30")

    assert_error_shown(page, "siret", "clé de contrôle")
    expect(page.get_by_label("Commune de l'établissement")).to_have_value("Morez")
    web.check("siret-errone")


def test_a_negative_headcount_is_said_in_the_summary_and_next_to_the_field(browse: Browse) -> None:
    web = browse()
    page = web.page
    web.goto("/")
    send_home_form(page, commune="Morez", effectif="-5")

    assert_error_shown(page, "effectif", "supérieur ou égal à 0")
    web.check("effectif-negatif")


def test_a_bad_siret_and_a_negative_headcount_are_both_said_at_once(browse: Browse) -> None:
    web = browse()
    page = web.page
    web.goto("/")
    send_home_form(page, siret=BAD_KEY_SIRET, commune="Morez", effectif="-5")

    expect(page.locator("#resume-erreurs li")).to_have_count(2, timeout=1000)
    assert_error_shown(page, "effectif", "supérieur ou égal à 0")


def assert_error_shown(page: Page, field: str, words: str) -> None:
    """The summary at the top names the field and links to it; the message is next to the field,
    which points to it (aria-describedby) and keeps what was typed; following the link focuses the field."""
    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(words)
    message = page.locator(f"#{field}-erreur")
    expect(message).to_contain_text(words)
    field_input = page.locator(f"#{field}")
    expect(field_input).to_have_attribute("aria-describedby", f"{field}-erreur")
    expect(field_input).to_have_attribute("aria-invalid", "true")
    summary.locator(f"a[href='#{field}']").click()
    expect(field_input).to_be_focused()


def test_the_home_form_can_be_filled_and_sent_with_the_keyboard_alone(browse: Browse) -> None:
    web = browse()
    page = web.page
    web.goto("/")
    keyboard = page.keyboard

    # The first stop is the skip link to the content.
    keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Contenu")
    keyboard.press("Enter")
    tab_to(page, "#commune")
    keyboard.type("Morez")
    tab_to(page, "#effectif")
    keyboard.type("30")
    tab_to(page, "#activite")
    keyboard.type("décolletage")
    tab_to(page, "#besoin-recrutement")
    keyboard.press("Space")
    expect(page.locator("#besoin-recrutement")).to_be_checked()
    tab_to(page, "button[type='submit']")
    web.check("clavier-formulaire-rempli")
    keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/resultats\?.*code_commune=39368"))
    web.check("clavier-resultats")


def tab_to(page: Page, selector: str) -> None:
    """Tab until `selector` has the focus; every stop on the way must show where the focus is."""
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        assert focus_is_visible(page), f"focus invisible sur {describe_focus(page)}"
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{selector} jamais atteint en {MAX_TABS} tabulations")


def focus_is_visible(page: Page) -> bool:
    """An outline on the focused element, or, for DSFR's radios and checkboxes (the input is
    transparent, its label draws the box), on its label's box."""
    visible: bool = page.evaluate(
        """() => {
          const el = document.activeElement;
          const drawn = (style) => style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          if (drawn(getComputedStyle(el))) return true;
          if (el.type === 'checkbox' || el.type === 'radio') {
            const label = document.querySelector(`label[for="${el.id}"]`);
            return !!label && drawn(getComputedStyle(label, '::before'));
          }
          return false;
        }"""
    )
    return visible


def describe_focus(page: Page) -> str:
    description: str = page.evaluate(
        "() => { const e = document.activeElement; return `${e.tagName} id=${e.id} name=${e.name || ''}`; }"
    )
    return description
