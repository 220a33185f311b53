"""The chef de projet's desk in Chromium: the Haut-Jura project lead signs in with the link the
local SMTP server received, finds a Morez request in the queue and triages it to « orientée »,
declines another with « autre » (not without its explanation), meets a stale form, gets the
missing page for a Gers case, signs out; expired and used links, and a POST without its CSRF
token, are refused.

The e-mails leave as in production: the pages write them to the outbox, a worker pass
(app.worker.send_due, what `guichet worker` runs in a loop) delivers them over SMTP to the live
server's mail server. Every page visited is screenshotted and audited by axe-core (Visit.check).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.cases.lifecycle import CaseStatus, DeclineReason
from app.clock import utc_now
from app.db import create_db_engine, session_factory, transaction
from app.models import CaseEvent, CaseFile, SignInRequest, StaffMember
from app.services.matching import MatchContext
from app.services.staff import add_staff
from app.worker import send_due, senders_of
from tests.case_desk import ISLE_JOURDAIN, case_body
from tests.mail_server import link_in, text_part
from tests.web.browser.chromium import Visit
from tests.web.browser.conftest import Browse
from tests.web.conftest import LiveServer

HAUT_JURA = "haut-jura"
#: Morez, since 2016 a commune déléguée of Hauts de Bienne: the API takes the commune's code
MOREZ, MOREZ_COMMUNE = "39368", "Hauts de Bienne"
STATUS_BUTTON = "Passer à « {} »"


@dataclass
class DeskSite:
    """The live server's database, outbox and mailbox, as the desk's people and its worker see them."""

    server: LiveServer
    sessions: sessionmaker[Session]
    context: MatchContext

    def add_lead(self, *, ti: str = HAUT_JURA, name: str = "Claire Morel") -> str:
        """A new project lead of `ti` (add_staff, as `guichet staff add` does); their address."""
        email = f"chef.{uuid.uuid4().hex[:8]}@{ti}-test.fr"
        with transaction(self.sessions, writing=True) as session:
            add_staff(
                session,
                email=email,
                name=name,
                role="project_lead",
                ti_ids=(ti,),
                region_codes=(),
                known_ti_ids=self.context.territories.perimeters.territories,
                known_region_codes=self.context.territories.geography.regions,
                now=utc_now(),
            )
        return email

    def file(self, commune: str = MOREZ, *, applicant: str | None = None) -> str:
        """A request filed through the API (as a partner's form would); its case id."""
        email = applicant or f"dirigeant.{uuid.uuid4().hex[:8]}@pme.fr"
        body = case_body(commune, contact={**case_body()["contact"], "email": email})
        request = urllib.request.Request(
            self.server.url + "/v1/cases",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                filed: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as refused:
            pytest.fail(f"demande refusée par l'API ({refused.code}) : {refused.read().decode()}")
        return str(filed["case_id"])

    def deliver(self) -> None:
        """One pass of the worker: the outbox's e-mails leave by SMTP."""
        report = send_due(self.sessions, senders_of(self.server.settings), utc_now)
        assert (report.failed, report.retried) == (0, 0), report

    def received(self, email: str) -> list[EmailMessage]:
        self.deliver()
        return self.server.mail.to(email)

    def sign_in_link(self, email: str) -> str:
        """The link of the last sign-in message received at `email`."""
        received = [m for m in self.received(email) if "lien de connexion" in str(m["Subject"])]
        assert received, f"aucun lien de connexion reçu ({len(self.server.mail.messages)} messages au total)"
        return link_in(received[-1], re.escape(self.server.url) + r"/espace/connexion/lien/\S+")

    def expire_links(self, email: str) -> None:
        """The member's unused links as if asked for more than 15 minutes ago."""
        with transaction(self.sessions, writing=True) as session:
            session.execute(
                update(SignInRequest)
                .where(SignInRequest.used_at.is_(None), SignInRequest.link_digest.is_not(None))
                .where(SignInRequest.staff_member_id.in_(select(StaffMember.id).where(StaffMember.email == email)))
                .values(expires_at=utc_now() - timedelta(minutes=1))
            )

    def status(self, case_id: str) -> CaseStatus:
        with transaction(self.sessions, writing=False) as session:
            return CaseStatus(session.get_one(CaseFile, uuid.UUID(case_id)).status)

    def transitions(self, case_id: str) -> int:
        with transaction(self.sessions, writing=False) as session:
            events = session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case_id), CaseEvent.kind == "transition")
            )
            return len(list(events))


@pytest.fixture(scope="module")
def desk_site(live_server: LiveServer, match_context: MatchContext) -> Iterator[DeskSite]:
    engine = create_db_engine(live_server.settings.database_url)
    yield DeskSite(live_server, session_factory(engine), match_context)
    engine.dispose()


def ask_link(web: Visit, email: str) -> None:
    """On the sign-in page: the address typed, the link asked for."""
    page = web.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l'espace des chefs de projet")
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")


def follow_link(web: Visit, link: str, *, check: bool = False) -> None:
    """The link of the e-mail opened, « Se connecter » pressed."""
    web.page.goto(link)
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Se connecter à l'espace des chefs de projet")
    if check:
        web.check("connexion-confirmer")
    web.page.get_by_role("button", name="Se connecter").click()


def sign_in(web: Visit, site: DeskSite, email: str) -> None:
    web.goto("/espace/connexion")
    ask_link(web, email)
    follow_link(web, site.sign_in_link(email))
    expect(web.page).to_have_url(re.compile(r"/espace/file"))


def open_case(web: Visit, case_id: str) -> None:
    web.goto(f"/espace/dossiers/{case_id}")
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("Demande")


def press(web: Visit, status: CaseStatus) -> None:
    web.page.get_by_role("button", name=STATUS_BUTTON.format(status.label)).click()


def expect_status(web: Visit, status: CaseStatus) -> None:
    """The case's badge says `status` (as written: the badge shows it in capitals), once the page
    after the button has arrived (the page before may already say « Le statut est changé »)."""
    expect(web.page.locator("main .fr-badges-group .fr-badge").first).to_have_text(status.label)


def test_the_haut_jura_lead_signs_in_by_e_mail_and_triages_a_morez_request_to_referred(
    browse: Browse, desk_site: DeskSite
) -> None:
    email = desk_site.add_lead()
    applicant = f"direction.{uuid.uuid4().hex[:8]}@decolletage-morez.fr"
    case_id = desk_site.file(MOREZ, applicant=applicant)
    told = desk_site.received(email)
    assert any(desk_site.server.url + "/espace" in text_part(m) for m in told), "la nouvelle demande n'est pas annoncée"

    web = browse()
    page = web.page
    web.goto("/espace/file")
    expect(page).to_have_url(re.compile(r"/espace/connexion\?suite=%2Fespace%2Ffile"))
    web.check("connexion")
    ask_link(web, email)
    web.check("lien-envoye")
    follow_link(web, desk_site.sign_in_link(email), check=True)

    expect(page).to_have_url(re.compile(r"/espace/file$"))
    expect(page.locator("main")).to_contain_text("Connecté : Claire Morel")
    row = page.locator("main tr", has=page.locator(f"a[href='/espace/dossiers/{case_id}']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(MOREZ_COMMUNE)
    web.check("file")

    row.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text(f"{MOREZ_COMMUNE} ({MOREZ})")
    expect(page.locator("main")).to_contain_text("Camille Exemple")
    web.check("dossier")
    for status in (CaseStatus.ACKNOWLEDGED, CaseStatus.IN_REVIEW, CaseStatus.REFERRED):
        press(web, status)
        expect_status(web, status)
        expect(page.locator("main [role='status']")).to_have_text("Le statut est changé.")
        web.check(f"dossier-{status.value}")
    expect(page.locator("main .guichet-timeline")).to_contain_text(
        f"Claire Morel : Statut « {CaseStatus.IN_REVIEW.label} » → « {CaseStatus.REFERRED.label} »"
    )
    assert desk_site.status(case_id) == CaseStatus.REFERRED
    # The applicant is told of the filing, then of each change of status.
    assert len(desk_site.received(applicant)) == 4

    web.goto("/espace/file?onglet=orientees")
    expect(page.locator(f"main a[href='/espace/dossiers/{case_id}']")).to_have_count(1)
    web.check("file-orientees")
    page.get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Indicateurs")
    web.check("indicateurs")
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.locator("main")).to_contain_text("(chef de projet : Territoire d'industrie Haut-Jura)")
    web.check("compte")


def test_a_decline_for_another_reason_needs_its_explanation(browse: Browse, desk_site: DeskSite) -> None:
    email = desk_site.add_lead()
    case_id = desk_site.file(MOREZ)
    web = browse()
    page = web.page
    sign_in(web, desk_site, email)
    open_case(web, case_id)
    web.check("dossier")

    # DSFR draws the radio on its label: the person clicks the label.
    page.locator("#motif-groupe label", has_text=DeclineReason.AUTRE.label).click()
    page.get_by_role("button", name="Refuser la demande").click()
    expect(page.locator("#explication-erreur")).to_contain_text("explication est obligatoire")
    expect(page.get_by_role("radio", name=DeclineReason.AUTRE.label)).to_be_checked()
    assert desk_site.status(case_id) == CaseStatus.SUBMITTED
    web.check("refus-sans-explication")

    page.get_by_label(re.compile("^Explication pour le demandeur")).fill(
        "Votre projet relève du programme régional d'aide au recrutement : nous vous mettons en relation."
    )
    page.get_by_role("button", name="Refuser la demande").click()
    expect_status(web, CaseStatus.DECLINED)
    expect(page.locator("main [role='status']")).to_have_text("Le statut est changé.")
    expect(page.locator("main")).to_contain_text(f"{DeclineReason.AUTRE.label} — Votre projet relève")
    assert desk_site.status(case_id) == CaseStatus.DECLINED
    web.check("refusee")


def test_a_stale_form_shows_what_changed_and_writes_nothing(browse: Browse, desk_site: DeskSite) -> None:
    email = desk_site.add_lead()
    case_id = desk_site.file(MOREZ)
    first = browse(journey="formulaire-perime-a")
    sign_in(first, desk_site, email)
    # The same person's second tab, opened on the case before the first one acts.
    second = Visit(first.page.context.new_page(), first.base_url, "formulaire-perime-b", first.audit_context)
    second.watch()
    open_case(first, case_id)
    first.check("dossier")
    open_case(second, case_id)

    press(first, CaseStatus.ACKNOWLEDGED)
    expect(first.page.locator("main [role='status']")).to_have_text("Le statut est changé.")
    press(second, CaseStatus.ACKNOWLEDGED)

    changes = second.page.locator("#changements")
    expect(changes).to_contain_text("Rien n'a été enregistré")
    expect(changes).to_contain_text(f"Statut « {CaseStatus.SUBMITTED.label} » → « {CaseStatus.ACKNOWLEDGED.label} »")
    expect_status(second, CaseStatus.ACKNOWLEDGED)
    assert desk_site.status(case_id) == CaseStatus.ACKNOWLEDGED
    assert desk_site.transitions(case_id) == 1
    second.check("dossier-a-change")


def test_the_haut_jura_lead_gets_the_missing_page_for_a_gers_case(browse: Browse, desk_site: DeskSite) -> None:
    email = desk_site.add_lead()
    gers_case = desk_site.file(ISLE_JOURDAIN)
    web = browse()
    sign_in(web, desk_site, email)
    expect(web.page.locator(f"main a[href='/espace/dossiers/{gers_case}']")).to_have_count(0)

    out_of_reach = web.goto(f"/espace/dossiers/{gers_case}")
    assert out_of_reach is not None
    assert out_of_reach.status == 404
    seen = web.page.locator("main").inner_text()
    web.check("dossier-du-gers")
    missing = web.goto(f"/espace/dossiers/{uuid.uuid4()}")
    assert missing is not None
    assert missing.status == 404
    assert web.page.locator("main").inner_text() == seen
    assert "Page non trouvée" in seen


def test_sign_out_closes_the_session(browse: Browse, desk_site: DeskSite) -> None:
    email = desk_site.add_lead()
    web = browse()
    page = web.page
    sign_in(web, desk_site, email)
    web.goto("/espace/compte")
    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    expect(page.locator("main")).to_contain_text("Vous êtes déconnecté de ce navigateur.")
    web.check("deconnecte")
    web.goto("/espace/file")
    expect(page).to_have_url(re.compile(r"/espace/connexion\?suite="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l'espace des chefs de projet")


def test_expired_and_used_links_are_refused(browse: Browse, desk_site: DeskSite) -> None:
    email = desk_site.add_lead()
    web = browse()
    page = web.page
    web.goto("/espace/connexion")
    ask_link(web, email)
    expired = desk_site.sign_in_link(email)
    desk_site.expire_links(email)
    response = page.goto(expired)
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien de connexion refusé")
    expect(page.locator("main")).to_contain_text("a expiré")
    web.check("lien-expire")

    page.get_by_role("link", name="Demander un nouveau lien").click()
    ask_link(web, email)
    link = desk_site.sign_in_link(email)
    assert link != expired
    follow_link(web, link)
    expect(page).to_have_url(re.compile(r"/espace/file$"))

    # The same link again, from another browser (forwarded, or found in the mailbox later).
    other = browse(journey="lien-deja-utilise")
    response = other.page.goto(link)
    assert response is not None
    assert response.status == 410
    expect(other.page.locator("main")).to_contain_text("a déjà servi")
    other.check("lien-utilise")
    other.goto("/espace/file")
    expect(other.page).to_have_url(re.compile(r"/espace/connexion"))


def test_a_post_without_its_csrf_token_is_refused(browse: Browse, desk_site: DeskSite) -> None:
    email = desk_site.add_lead()
    case_id = desk_site.file(MOREZ)
    web = browse()
    page = web.page
    sign_in(web, desk_site, email)
    open_case(web, case_id)
    # What a forged form from another site sends: the session cookie, no token.
    page.locator("input[name='csrf_token']").evaluate_all("fields => fields.forEach(f => f.remove())")
    with page.expect_navigation() as navigation:
        press(web, CaseStatus.ACKNOWLEDGED)
    response = navigation.value
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Formulaire expiré")
    web.check("sans-jeton-csrf")
    assert desk_site.status(case_id) == CaseStatus.SUBMITTED
    assert desk_site.transitions(case_id) == 0
