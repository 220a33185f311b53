"""Repeats and floods held back, counted in the cases table (SQLite and PostgreSQL): the same request
twice, too many from one address or one SIRET in 24 hours; the existing link sent again by e-mail."""

from __future__ import annotations

import re
import threading
from functools import partial
from typing import Any

import anyio
from sqlalchemy import func, select

from app.api.match_view import MATCH_RECORDER
from app.company.directory import SireneClient
from app.db import session_factory, transaction
from app.models import CaseFile, OutboxMessage
from app.schemas.case import CaseRequest
from app.services.cases.repeats import TRACKING_LINK_KIND, FilingLimits, Held, file_unless_repeated, hold_back
from app.services.notifications import Links
from app.services.tokens import Applicant, Unauthenticated, authenticate
from tests.case_desk import Desk, case_body

#: where the links sent again point
LINKS = Links("https://guichet.example")
LIMITS = FilingLimits(per_email=3, per_siret=3)
EMAIL = "camille.exemple@entreprise-test.fr"
SIRET = "732 829 320 00074"


def contact(email: str = EMAIL) -> dict[str, Any]:
    return {"name": "Camille Exemple", "email": email, "consent": True}


def request(schemes: list[str], email: str = EMAIL, siret: str | None = None) -> CaseRequest:
    body = case_body(scheme_ids=schemes, acknowledge_ineligible=True, contact=contact(email))
    if siret:
        body["profile"]["siret"] = siret
    return CaseRequest.model_validate(body)


def file(desk: Desk, schemes: list[str], email: str = EMAIL, siret: str | None = None) -> dict[str, Any]:
    body = request(schemes, email, siret).model_dump(mode="json", exclude_none=True)
    response = desk.client.post("/v1/cases", json=body)
    assert response.status_code == 201, response.text
    filed: dict[str, Any] = response.json()
    return filed


def held(desk: Desk, case_request: CaseRequest) -> Held | None:
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        return hold_back(
            session,
            desk.context,
            case_request,
            key=desk.key,
            limits=LIMITS,
            links=LINKS,
            now=desk.clock.now,
        )


def messages(desk: Desk) -> list[OutboxMessage]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        # The tracking links sent again (filing also writes its own messages: tests/services/test_notifications.py).
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == TRACKING_LINK_KIND).order_by(OutboxMessage.created_at)
            )
        )


def opens(desk: Desk, token: str) -> Applicant | None:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        try:
            principal = authenticate(session, desk.key, token, desk.clock.now)
        except Unauthenticated:
            return None
        assert isinstance(principal, Applicant)
        return principal


def test_the_same_address_and_schemes_within_a_day_is_a_repeat_and_its_link_is_renewed_by_email(desk: Desk) -> None:
    first = file(desk, ["vte"])
    desk.clock.advance(hours=2)
    # The address compared as the same mailbox, whatever the case of its letters.
    outcome = held(desk, request(["vte"], email=EMAIL.upper()))
    assert outcome is not None
    assert outcome == Held(outcome.case_id, "repeat", 1, link_sent_now=True)
    assert str(outcome.case_id) == first["case_id"]
    [message] = messages(desk)
    assert message.kind == TRACKING_LINK_KIND
    assert str(message.case_id) == first["case_id"]
    assert EMAIL not in message.body
    assert "Camille" not in message.body
    link = re.search(r"https://guichet.example/suivi/(gtd_[\w-]+)", message.body)
    assert link is not None
    # One digest per case: the new link opens the case, the old one no longer does (and the message says so).
    assert opens(desk, link.group(1)) == Applicant(outcome.case_id)
    assert opens(desk, first["tracking_token"]) is None
    assert "les anciens liens ne fonctionnent plus" in message.body


def test_other_schemes_under_the_cap_are_filed(desk: Desk) -> None:
    file(desk, ["vte"])
    assert held(desk, request(["geiq-industrie"])) is None
    assert messages(desk) == []


def test_the_fourth_request_of_the_day_from_an_address_is_held_and_the_latest_link_sent_again(desk: Desk) -> None:
    for schemes in (["vte"], ["geiq-industrie"], []):
        latest = file(desk, schemes)
        desk.clock.advance(minutes=10)
    outcome = held(desk, request(["vte", "geiq-industrie"]))
    assert outcome is not None
    assert (outcome.reason, outcome.count, str(outcome.case_id)) == ("email_cap", 3, latest["case_id"])
    assert len(messages(desk)) == 1


def test_the_cap_is_over_the_last_24_hours(desk: Desk) -> None:
    for schemes in (["vte"], ["geiq-industrie"], []):
        file(desk, schemes)
    desk.clock.advance(hours=24, seconds=1)
    assert held(desk, request(["vte"])) is None


def test_a_siret_is_capped_whatever_the_address_and_however_it_is_typed(desk: Desk) -> None:
    for i, schemes in enumerate((["vte"], ["geiq-industrie"], [])):
        file(desk, schemes, email=f"personne{i}@entreprise-test.fr", siret=SIRET)
    outcome = held(desk, request(["vte"], email="autre@entreprise-test.fr", siret=SIRET.replace(" ", "")))
    assert outcome is not None
    assert (outcome.reason, outcome.count) == ("siret_cap", 3)
    another_establishment = "73282932000082"
    assert held(desk, request(["vte"], email="autre@entreprise-test.fr", siret=another_establishment)) is None


def test_at_most_one_new_link_per_case_and_day(desk: Desk) -> None:
    file(desk, ["vte"])
    first = held(desk, request(["vte"]))
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        digest = session.scalar(select(CaseFile.tracking_digest))
    again = held(desk, request(["vte"]))
    assert first is not None
    assert first.link_sent_now
    assert again is not None
    assert not again.link_sent_now
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        assert session.scalar(select(CaseFile.tracking_digest)) == digest, "the link sent today still works"
        assert len(messages(desk)) == 1
    # 23 hours later it is another day in Paris (and still within the window): one more link.
    desk.clock.advance(hours=23)
    later = held(desk, request(["vte"]))
    assert later is not None
    assert later.link_sent_now
    assert len(messages(desk)) == 2


def test_a_renewed_link_is_not_a_change_of_the_request(desk: Desk) -> None:
    file(desk, ["vte"])
    held(desk, request(["vte"]))
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        assert session.scalar(select(CaseFile.version)) == 1


def test_a_double_click_files_one_request(desk: Desk) -> None:
    """Two identical requests at the same instant, each in its own transaction: one case, one repeat."""
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def send() -> None:
        start.wait()
        with transaction(session_factory(desk.database.engine), writing=True) as session:
            outcome = anyio.run(
                partial(
                    file_unless_repeated,
                    session,
                    desk.context,
                    SireneClient(""),
                    request(["vte"]),
                    recorder=MATCH_RECORDER,
                    key=desk.key,
                    limits=LIMITS,
                    links=LINKS,
                    now=desk.clock.now,
                    as_of=desk.clock.now.date(),
                )
            )
        outcomes.append(outcome)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["FiledCase", "Held"]
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        assert session.scalar(select(func.count()).select_from(CaseFile)) == 1
