"""Suivi: the secret link shows where the request stands, in French and Paris time; withdrawing asks first."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import CaseFile
from app.schemas.case import StatusChangeIn
from app.services.cases.transitions import change_status
from app.services.notifications import TRACKING_PATH
from app.services.tokens import Staff, create_token
from app.web.tracking import HiddenSecretLinks
from tests.case_desk import TOKEN_KEY
from tests.web.filing_site import Site, hidden_fields, site, text_of

__all__ = ["site"]


def filed(site: Site) -> str:
    """The tracking page's address of a Morez request for the VTE."""
    location: str = site.send(dispositif="vte").headers["location"]
    return location.split("?")[0]


def move(site: Site, change: StatusChangeIn) -> None:
    """The Haut-Jura queue changes the request's status (as its desk would)."""
    context = site.client.app.state.match_context  # type: ignore[attr-defined]
    with transaction(session_factory(site.engine), writing=True) as session:
        lead = create_token(
            session,
            TOKEN_KEY.encode(),
            role="project_lead",
            holder="Sous-préfecture",
            ti_ids=["haut-jura"],
            region_codes=[],
            known_ti_ids=context.territories.perimeters.territories,
            known_region_codes=(),
            valid_for=timedelta(days=1),
            now=site.clock.now,
        ).record
        case = session.scalars(select(CaseFile)).one()
        change_status(session, context, Staff.of(lead), case.id, change, case.version, site.clock.now)


def decline(site: Site, reason: str, explanation: str | None = None) -> None:
    move(site, StatusChangeIn(to="declined", decline_reason=reason, explanation=explanation))


def test_the_tracking_page_shows_the_timeline_in_paris_time_and_what_was_asked(site: Site) -> None:
    path = filed(site)
    page = site.client.get(path)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Statut : Déposée" in words
    # 08:00 UTC on 30 November is 09:00 in Paris.
    assert "Déposée — le 30/11/2026 09:00" in words
    assert "Volontariat Territorial en Entreprise" in words or "VTE" in words
    assert "Votre demande est déposée" not in words, "the banner is only for the page right after filing"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-robots-tag"] == "noindex"
    assert page.headers["referrer-policy"] == "same-origin"


def test_a_declined_request_shows_the_reason_and_its_explanation(site: Site) -> None:
    path = filed(site)
    decline(site, "autre", "Le projet relève du dispositif régional de formation.")
    words = text_of(site.client.get(path).text)
    assert "Statut : Refusée" in words
    assert "Autre raison (précisée)" in words
    assert "Le projet relève du dispositif régional de formation." in words


def test_withdrawing_asks_for_confirmation_then_withdraws(site: Site) -> None:
    path = filed(site)
    page = site.client.get(path).text
    assert f'href="{path}/retrait"' in page
    confirm = site.client.get(f"{path}/retrait")
    assert confirm.status_code == 200
    assert "Êtes-vous sûr" in text_of(confirm.text)
    assert "Retirée" not in text_of(site.client.get(path).text), "asking is not withdrawing"
    data = dict(hidden_fields(confirm.text)) | {"raison": "Projet reporté"}
    done = site.client.post(f"{path}/retrait", data=data, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"{path}?retrait=1"
    after = site.client.get(done.headers["location"])
    words = text_of(after.text)
    assert "Votre demande est retirée" in words
    assert "Statut : Retirée par le demandeur" in words
    assert "/retrait" not in after.text, "a withdrawn request has no withdraw button"
    assert site.client.get(f"{path}/retrait", follow_redirects=False).status_code == 303


def test_withdrawing_without_the_csrf_token_is_refused(site: Site) -> None:
    path = filed(site)
    refused = site.client.post(f"{path}/retrait", data={"version": "1"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Statut : Déposée" in text_of(site.client.get(path).text)


def test_a_request_that_changed_since_the_confirmation_is_confirmed_again(site: Site) -> None:
    path = filed(site)
    data = dict(hidden_fields(site.client.get(f"{path}/retrait").text))
    move(site, StatusChangeIn(to="acknowledged"))
    again = site.client.post(f"{path}/retrait", data=data, follow_redirects=False)
    assert again.status_code == 409
    assert "« Prise en compte »" in text_of(again.text)
    assert 'name="version" value="2"' in again.text


def test_a_declined_request_can_no_longer_be_withdrawn(site: Site) -> None:
    path = filed(site)
    data = dict(hidden_fields(site.client.get(f"{path}/retrait").text))
    decline(site, "doublon")
    refused = site.client.post(f"{path}/retrait", data=data, follow_redirects=False)
    assert refused.status_code == 409
    assert "Statut : Refusée" in text_of(refused.text)


@pytest.mark.parametrize(
    "secret",
    ["gtd_" + "x" * 43, "n-importe-quoi", "gti_" + "x" * 43],
    ids=["unknown tracking token", "not a token", "a staff token's form"],
)
def test_a_wrong_secret_is_the_404_page(site: Site, secret: str) -> None:
    filed(site)
    for path in (f"/suivi/{secret}", f"/suivi/{secret}/retrait"):
        page = site.client.get(path)
        assert page.status_code == 404
        assert "Page non trouvée" in page.text
        assert page.headers["cache-control"] == "no-store"


def test_the_access_log_never_shows_a_tracking_link() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/suivi/gtd_secret-part/retrait?retrait=1", "1.1", 200), None,
    )  # fmt: skip
    assert HiddenSecretLinks(TRACKING_PATH).filter(record)
    assert "gtd_secret" not in record.getMessage()
    assert re.search(r"/suivi/\(lien masqué\)/retrait", record.getMessage())
