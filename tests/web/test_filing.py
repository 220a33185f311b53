"""Déposer une demande: the form over the Morez profile, filed as the API files it, errors next to
their fields, CSRF, the honeypot, and the daily cap that sends the existing link again."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import CaseFile, CaseScheme, OutboxMessage
from app.services.cases.repeats import TRACKING_LINK_KIND
from tests.web.filing_site import CONTACT, MOREZ, Site, error_of, site, text_of

__all__ = ["site"]


def test_the_form_lists_the_schemes_none_checked_and_the_ruled_out_ones_apart(site: Site) -> None:
    html = site.form_page().text
    open_ones = re.findall(r'name="dispositif" value="([^"]+)"( checked)?', html)
    ruled_out = re.findall(r'name="dispositif_hors" value="([^"]+)"', html)
    assert "vte" in [v for v, _ in open_ones]
    assert ruled_out, "the ineligible and closed schemes are offered apart"
    assert not [v for v, checked in open_ones if checked]
    assert 'name="reconnais"' in html
    assert 'name="siret"' in html
    assert "siret=" not in html.split('action="/demande"')[0]


def test_schemes_named_in_the_address_come_checked(site: Site) -> None:
    html = site.form_page(MOREZ + "&dispositif=vte").text
    assert re.search(r'name="dispositif" value="vte" checked', html)


def test_consent_says_the_purpose_and_the_retention_in_plain_words(site: Site) -> None:
    words = text_of(site.form_page().text)
    assert "transmette ma demande et ces coordonnées au chef de projet de mon Territoire d'industrie" in words
    assert "36 mois après sa clôture" in words


def test_the_honeypot_is_hidden_out_of_the_tab_order_and_labelled_for_people(site: Site) -> None:
    html = site.form_page().text
    field = re.search(r'<div class="guichet-honeypot"[^>]*>(.*?)</div>', html, re.S)
    assert field is not None
    assert 'tabindex="-1"' in field.group(1)
    assert 'autocomplete="off"' in field.group(1)
    assert "Ne remplissez pas ce champ" in field.group(1)


def test_the_morez_company_files_a_request_to_the_haut_jura_queue(site: Site) -> None:
    sent = site.send(dispositif="vte")
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert re.fullmatch(r"/suivi/gtd_[\w-]+\?nouveau=1", location)
    assert CONTACT["email"] not in location
    with transaction(session_factory(site.engine), writing=False) as session:
        case = session.scalars(select(CaseFile)).one()
        assert case.queue_id == "ti:haut-jura"
        assert case.contact_email == CONTACT["email"]
        assert case.profile["given"]["territory"] == {"commune": "39368"}
        assert list(session.scalars(select(CaseScheme.scheme_id))) == ["vte"]
    page = site.client.get(location)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Votre demande est déposée" in words
    assert "interlocuteur de repli" in words
    # The link to keep, shown once: this page's own address.
    assert page.text.count(location.split("?")[0]) == 2  # the banner, and the withdraw button's address
    assert words.count("http://testserver" + location.split("?")[0]) == 1


def test_a_reload_of_the_confirmation_files_nothing_more(site: Site) -> None:
    location = site.send().headers["location"]
    site.client.get(location)
    site.client.get(location)
    assert site.cases() == 1


def test_a_bad_email_and_a_missing_consent_are_said_next_to_their_fields_with_what_was_typed(site: Site) -> None:
    sent = site.send(email="pas-une-adresse", consentement=None, dispositif="vte")
    assert sent.status_code == 422
    html = sent.text
    assert "adresse e-mail invalide" in (error_of(html, "email") or "")
    assert "consentement est nécessaire" in (error_of(html, "consentement") or "")
    assert 'href="#email"' in html
    assert 'href="#consentement"' in html
    assert 'value="pas-une-adresse"' in html
    assert CONTACT["message"] in html
    assert re.search(r'name="dispositif" value="vte" checked', html)
    assert sent.headers["cache-control"] == "no-store"
    assert site.cases() == 0


def test_an_ineligible_scheme_needs_the_explicit_acknowledgement(site: Site) -> None:
    refused = site.send(dispositif_hors="vte-vert")
    assert refused.status_code == 422
    assert "Je sais que" in (error_of(refused.text, "reconnais") or "")
    assert site.cases() == 0
    assert site.send(dispositif_hors="vte-vert", reconnais="oui").status_code == 303
    with transaction(session_factory(site.engine), writing=False) as session:
        assert session.scalars(select(CaseFile.flagged_ineligible)).one() is True


def test_a_siret_with_a_bad_key_is_said_next_to_the_siret(site: Site) -> None:
    sent = site.send(siret="732 829 320 00075")
    assert sent.status_code == 422
    assert error_of(sent.text, "siret")
    assert site.cases() == 0


def test_a_form_without_its_csrf_token_is_refused_with_the_403_page(site: Site) -> None:
    sent = site.send(csrf=False)
    assert sent.status_code == 403
    assert "Formulaire expiré" in sent.text
    assert site.cases() == 0


def test_a_filled_honeypot_looks_like_success_and_files_nothing(site: Site) -> None:
    sent = site.send(site_web="https://promo.example")
    assert sent.status_code == 200
    assert "Votre demande a bien été envoyée" in text_of(sent.text)
    assert "/suivi/" not in sent.text
    assert site.cases() == 0


def test_the_fourth_request_of_the_day_from_an_address_gets_the_link_again_by_email_not_on_the_page(
    site: Site,
) -> None:
    for schemes in (["vte"], ["geiq-industrie"], []):
        assert site.send(dispositif=schemes).status_code == 303
    fourth = site.send(dispositif=["vte", "geiq-industrie"])
    assert fourth.status_code == 200
    words = text_of(fourth.text)
    assert "Une demande existe déjà" in words
    assert "envoyé de nouveau, par e-mail" in words
    assert "/suivi/" not in fourth.text
    assert "gtd_" not in fourth.text
    assert site.cases() == 3
    with transaction(session_factory(site.engine), writing=False) as session:
        messages = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == TRACKING_LINK_KIND)))
    assert len(messages) == 1
    assert "http://127.0.0.1:8000/suivi/gtd_" in messages[0].body
    assert CONTACT["email"] not in messages[0].body
    assert CONTACT["nom"] not in messages[0].body


def test_the_same_request_again_is_a_repeat_whose_link_goes_by_email(site: Site) -> None:
    assert site.send(dispositif="vte").status_code == 303
    again = site.send(
        dispositif="vte", email=CONTACT["email"].upper().replace("@DECOLLETAGE-TEST.FR", "@decolletage-test.fr")
    )
    assert again.status_code == 200
    assert "Une demande identique" in text_of(again.text)
    assert site.cases() == 1
