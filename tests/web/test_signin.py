"""Signing in to the desk by an e-mailed link, on SQLite and PostgreSQL, with a real SMTP server:
the link read from the received message opens a session; expired, used and unknown links are
refused; an unknown address gets the same page and no message; limits; sign-out (here and
everywhere); a disabled member's sessions and tokens stop working; no address in the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select, update

from app.db import session_factory, transaction
from app.main import create_app
from app.models import OutboxMessage
from app.services.matching import MatchContext
from app.services.staff import add_staff, disable_staff
from app.services.tokens import create_token
from app.settings import Settings
from app.worker import send_due, senders_of
from tests.case_desk import TOKEN_KEY, Clock
from tests.databases import Database
from tests.mail_server import MailServer, html_part, link_in, mail_server, text_part
from tests.web.filing_site import hidden_fields, text_of

__all__ = ["mail_server"]

LEAD = "Claire.Morel@HautJura-Test.fr"
LINK = r"https://guichet\.example/espace/connexion/lien/\S+"


@dataclass
class SignInSite:
    client: TestClient
    database: Database
    clock: Clock
    settings: Settings
    mail: MailServer
    context: MatchContext

    def add(self, email: str = LEAD, *, name: str = "Claire Morel", ti: tuple[str, ...] = ("haut-jura",)) -> None:
        with transaction(session_factory(self.database.engine), writing=True) as session:
            add_staff(
                session,
                email=email,
                name=name,
                role="project_lead",
                ti_ids=ti,
                region_codes=(),
                known_ti_ids=self.context.territories.perimeters.territories,
                known_region_codes=self.context.territories.geography.regions,
                now=self.clock.now,
            )

    def ask(self, email: str = LEAD, *, suite: str = "", client: TestClient | None = None) -> Response:
        browser = client or self.client
        page = browser.get("/espace/connexion" + (f"?suite={suite}" if suite else ""))
        data = dict(hidden_fields(page.text)) | {"email": email}
        return browser.post("/espace/connexion", data=data, follow_redirects=False)

    def deliver(self) -> None:
        send_due(session_factory(self.database.engine), senders_of(self.settings), self.clock)

    def link(self, email: str = LEAD) -> str:
        """The path of the last sign-in link received at `email`."""
        self.deliver()
        received = self.mail.to(email.lower())
        assert received, "no message received"
        return urlsplit(link_in(received[-1], LINK)).path

    def follow(self, path: str, client: TestClient | None = None) -> Response:
        browser = client or self.client
        page = browser.get(path)
        if page.status_code != 200:
            return page
        return browser.post(path, data=dict(hidden_fields(page.text)), follow_redirects=False)

    def sign_in(self, client: TestClient | None = None) -> Response:
        assert self.ask(client=client).status_code == 303
        return self.follow(self.link(), client)

    def outbox(self) -> int:
        with transaction(session_factory(self.database.engine), writing=False) as session:
            return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def _settings(database: Database, tmp_path: Path, mail: MailServer) -> Settings:
    return Settings(
        database_url=database.url,
        token_key=TOKEN_KEY,
        token_key_file=tmp_path / "unused.key",
        sirene_url="",
        public_url="https://guichet.example",
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        smtp_starttls=False,
        smtp_timeout_seconds=2,
        mail_from="Guichet TI <ne-pas-repondre@guichet.example>",
    )


@pytest.fixture
def site(
    database: Database, match_context: MatchContext, tmp_path: Path, mail_server: MailServer
) -> Iterator[SignInSite]:
    settings = _settings(database, tmp_path, mail_server)
    clock = Clock()
    with TestClient(create_app(settings, context=match_context, clock=clock)) as client:
        yield SignInSite(client, database, clock, settings, mail_server, match_context)


def test_the_link_received_by_e_mail_opens_a_session_on_the_desk(site: SignInSite) -> None:
    site.add()
    asked = site.ask("  claire.morel@hautjura-test.FR ")
    assert asked.status_code == 303
    sent = site.client.get(asked.headers["location"])
    assert "Si cette adresse est celle d'un compte actif" in text_of(sent.text)
    path = site.link()
    message = site.mail.to(LEAD.lower())[-1]
    assert message["Subject"] == "Votre lien de connexion à l'espace des chefs de projet"
    assert message["From"] == "Guichet TI <ne-pas-repondre@guichet.example>"
    assert message["List-Unsubscribe"] is None  # asked for: not a notification
    assert "valable 15 minutes" in text_part(message)
    assert f'<a href="https://guichet.example{path}">' in html_part(message)

    confirm = site.client.get(path)
    assert confirm.status_code == 200
    assert confirm.headers["cache-control"] == "no-store"
    opened = site.client.post(path, data=dict(hidden_fields(confirm.text)), follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/espace"
    cookie = next(c for c in opened.headers.get_list("set-cookie") if c.startswith("guichet_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # http://testserver: a machine of its own
    account = site.client.get("/espace/compte")
    assert account.status_code == 200
    assert "Claire Morel" in text_of(account.text)
    assert "chef de projet : Territoire d'industrie Haut-Jura" in text_of(account.text)


def test_the_session_cookie_is_secure_over_https(site: SignInSite, match_context: MatchContext) -> None:
    site.add()
    with TestClient(
        create_app(site.settings, context=match_context, clock=site.clock), base_url="https://testserver"
    ) as tls:
        opened = site.sign_in(tls)
        cookie = next(c for c in opened.headers.get_list("set-cookie") if c.startswith("guichet_session="))
        assert "; Secure" in cookie


def test_an_unknown_address_gets_the_same_page_and_no_message(site: SignInSite) -> None:
    site.add()
    known = site.ask(LEAD)
    unknown = site.ask("personne@exemple-test.fr")
    assert (known.status_code, known.headers["location"]) == (unknown.status_code, unknown.headers["location"])
    site.deliver()
    assert [m["To"] for m in site.mail.messages] == [LEAD.lower()]


def test_a_disabled_member_gets_no_link(site: SignInSite) -> None:
    site.add()
    with transaction(session_factory(site.database.engine), writing=True) as session:
        disable_staff(session, LEAD, site.clock.now)
    assert site.ask().status_code == 303
    assert site.outbox() == 0


def test_a_link_opens_one_session_only(site: SignInSite) -> None:
    site.add()
    site.ask()
    path = site.link()
    assert site.follow(path).status_code == 303
    with TestClient(site.client.app) as other:
        again = site.follow(path, other)
        assert again.status_code == 410
        assert "déjà servi" in text_of(again.text)
        assert 'href="/espace/connexion"' in again.text  # ask a new one


def test_a_link_expires_after_15_minutes(site: SignInSite) -> None:
    site.add()
    site.ask()
    path = site.link()
    site.clock.advance(minutes=15)
    expired = site.client.get(path)
    assert expired.status_code == 410
    assert "a expiré" in text_of(expired.text)
    assert "guichet_session=" not in expired.headers.get("set-cookie", "")


def test_a_made_up_link_is_refused(site: SignInSite) -> None:
    refused = site.client.get("/espace/connexion/lien/gtc_inventeinventeinvente")
    assert refused.status_code == 404
    assert "n'est pas valide" in text_of(refused.text)


def test_asking_too_often_from_one_address_gets_429_with_retry_after(site: SignInSite) -> None:
    site.add()
    for _ in range(5):
        assert site.ask().status_code == 303
    refused = site.ask()
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 15 * 60
    assert "Trop de demandes" in text_of(refused.text)
    site.clock.advance(minutes=15, seconds=1)
    assert site.ask().status_code == 303


def test_asking_for_many_addresses_from_one_client_gets_429(site: SignInSite) -> None:
    for n in range(20):
        assert site.ask(f"inconnu{n}@exemple-test.fr").status_code == 303
    assert site.ask("encore@exemple-test.fr").status_code == 429


def test_an_anonymous_visit_to_the_desk_goes_to_sign_in_and_back(site: SignInSite) -> None:
    site.add()
    redirected = site.client.get("/espace/compte?onglet=1", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"] == "/espace/connexion?suite=%2Fespace%2Fcompte%3Fonglet%3D1"
    assert site.ask(suite="%2Fespace%2Fcompte%3Fonglet%3D1").status_code == 303
    opened = site.follow(site.link())
    assert opened.headers["location"] == "/espace/compte?onglet=1"


@pytest.mark.parametrize(
    "suite", ["https://ailleurs.example/espace", "//ailleurs.example/espace", "/demande", "/espace\\x"]
)
def test_the_page_after_sign_in_is_never_another_site(site: SignInSite, suite: str) -> None:
    site.add()
    assert site.ask(suite=suite.replace("/", "%2F")).status_code == 303
    assert site.follow(site.link()).headers["location"] == "/espace"


def test_sign_out_closes_this_browser_only_and_sign_out_everywhere_closes_them_all(
    site: SignInSite, match_context: MatchContext
) -> None:
    site.add()
    site.sign_in()
    with TestClient(create_app(site.settings, context=match_context, clock=site.clock)) as laptop:
        site.clock.advance(seconds=1)
        site.sign_in(laptop)
        assert laptop.get("/espace/compte").status_code == 200
        account = laptop.get("/espace/compte")
        out = laptop.post("/espace/deconnexion", data=dict(hidden_fields(account.text)), follow_redirects=False)
        assert out.status_code == 303
        assert laptop.get("/espace/compte", follow_redirects=False).status_code == 303
        assert site.client.get("/espace/compte").status_code == 200

        site.clock.advance(seconds=1)
        site.sign_in(laptop)
        account = site.client.get("/espace/compte")
        everywhere = site.client.post(
            "/espace/deconnexion-partout", data=dict(hidden_fields(account.text)), follow_redirects=False
        )
        assert everywhere.status_code == 303
        assert laptop.get("/espace/compte", follow_redirects=False).status_code == 303
        site.clock.advance(seconds=1)
        site.sign_in(laptop)
        assert laptop.get("/espace/compte").status_code == 200


def test_a_session_closes_after_8_hours_without_activity_and_activity_keeps_it(site: SignInSite) -> None:
    site.add()
    site.sign_in()
    for _ in range(3):
        site.clock.advance(hours=7)
        assert site.client.get("/espace/compte").status_code == 200
    site.clock.advance(hours=8, seconds=1)
    assert site.client.get("/espace/compte", follow_redirects=False).status_code == 303


def test_sign_out_without_the_csrf_token_is_refused(site: SignInSite) -> None:
    site.add()
    site.sign_in()
    refused = site.client.post("/espace/deconnexion-partout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert site.client.get("/espace/compte").status_code == 200


def test_a_disabled_member_loses_the_session_and_the_tokens(site: SignInSite) -> None:
    site.add()
    site.sign_in()
    with transaction(session_factory(site.database.engine), writing=True) as session:
        from app.services.staff import member_by_email

        member = member_by_email(session, LEAD)
        assert member is not None
        token = create_token(
            session,
            TOKEN_KEY.encode(),
            role="project_lead",
            holder=member.display_name,
            ti_ids=member.ti_ids,
            region_codes=(),
            known_ti_ids=site.context.territories.perimeters.territories,
            known_region_codes=(),
            valid_for=timedelta(days=30),
            now=site.clock.now,
            staff_member_id=member.id,
        ).token
    bearer = {"Authorization": f"Bearer {token}"}
    assert site.client.get("/v1/cases", headers=bearer).status_code == 200
    with transaction(session_factory(site.database.engine), writing=True) as session:
        disable_staff(session, LEAD, site.clock.now)
    assert site.client.get("/espace/compte", follow_redirects=False).status_code == 303
    assert site.client.get("/v1/cases", headers=bearer).status_code == 401


def test_no_address_reaches_the_logs(site: SignInSite, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    site.add()
    site.mail.stop()
    site.ask()
    site.deliver()  # refused: the failure is logged without the address
    site.mail.start()
    site.clock.advance(minutes=1)
    site.sign_in()
    # The test's own tools (the SMTP server, the HTTP client) log what they carry; the service does not.
    ours = [r.getMessage().lower() for r in caplog.records if not r.name.startswith(("mail.log", "httpx"))]
    assert not [line for line in ours if "hautjura-test" in line or "@" in line]


def test_a_member_sets_absence_dates_on_the_account_page(site: SignInSite) -> None:
    site.add()
    site.sign_in()
    page = site.client.get("/espace/compte")
    assert "Aucun serveur d'envoi" not in text_of(page.text)
    csrf = dict(hidden_fields(page.text))
    wrong = site.client.post(
        "/espace/compte/absence", data=csrf | {"absent_from": "2026-12-10", "absent_until": "2026-12-01"}
    )
    assert wrong.status_code == 422
    assert "le dernier jour doit suivre le premier" in text_of(wrong.text)
    assert 'aria-describedby="absent_until-erreur"' in wrong.text
    assert 'value="2026-12-10"' in wrong.text  # what was typed is kept
    saved = site.client.post(
        "/espace/compte/absence",
        data=csrf | {"absent_from": "2026-12-01", "absent_until": "2026-12-10"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    shown = site.client.get(saved.headers["location"])
    assert "Vos dates d'absence sont enregistrées" in text_of(shown.text)
    assert 'value="2026-12-01"' in shown.text


def test_the_account_page_says_when_e_mails_could_not_leave(site: SignInSite) -> None:
    site.add()
    site.sign_in()
    assert "n'a pas pu partir" not in text_of(site.client.get("/espace/compte").text)
    with transaction(session_factory(site.database.engine), writing=True) as session:
        session.execute(update(OutboxMessage).values(sent_at=None, failed_at=site.clock.now, attempts=12))

    page = text_of(site.client.get("/espace/compte").text)

    assert "1 e-mail du guichet n'a pas pu partir après plusieurs essais" in page
