from __future__ import annotations

from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import OutboxMessage
from app.services.reminders import Reminder, remind_overdue
from tests.case_desk import Desk, bearer


def remind(desk: Desk, *, dry_run: bool = False) -> list[Reminder]:
    with transaction(session_factory(desk.database.engine), writing=not dry_run) as session:
        return remind_overdue(session, desk.context, desk.clock.now, dry_run=dry_run)


def outbox(desk: Desk) -> list[OutboxMessage]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.kind)))


def test_overdue_cases_get_one_reminder_per_reason_and_week_in_the_outbox(desk: Desk) -> None:
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    late = desk.filed()["case_id"]
    quiet = desk.filed()["case_id"]
    desk.client.post(f"/v1/cases/{quiet}/transitions", json={"to": "acknowledged", "version": 1}, headers=gers)
    closed = desk.filed()["case_id"]
    desk.client.post(
        f"/v1/cases/{closed}/transitions",
        json={"to": "declined", "version": 1, "decline_reason": "doublon"},
        headers=gers,
    )
    assert remind(desk) == []

    desk.clock.advance(days=15)
    listed = remind(desk, dry_run=True)
    assert {(str(r.case_id), r.kind) for r in listed} == {
        (late, "relance_prise_en_compte"),
        (late, "relance_sans_evenement"),
        (quiet, "relance_sans_evenement"),
    }
    assert outbox(desk) == []  # a dry run writes nothing

    written = remind(desk)
    assert all(r.written for r in written)
    messages = outbox(desk)
    assert len(messages) == 3
    assert {m.queue_id for m in messages} == {"ti:gers-tarn-et-garonne"}
    first = next(m for m in messages if str(m.case_id) == late and m.kind == "relance_prise_en_compte")
    assert "5 jours ouvrés" in first.body
    assert "L'Isle-Jourdain (32160)" in first.body
    assert "Volontariat Territorial en Entreprise" in first.body
    for message in messages:  # the applicant is never named in a reminder
        assert "Camille" not in message.body
        assert "entreprise-test.fr" not in message.body + message.subject
        assert message.sent_at is None

    again = remind(desk)
    assert [r.written for r in again] == [False, False, False]
    assert len(outbox(desk)) == 3

    desk.clock.advance(days=7)  # the next week: reminded again
    assert sum(r.written for r in remind(desk)) == 3
    assert len(outbox(desk)) == 6


def test_a_reminder_gives_the_case_reference_not_an_api_address(desk: Desk) -> None:
    case_id = desk.filed()["case_id"]
    desk.clock.advance(days=15)
    remind(desk)
    for message in outbox(desk):
        assert f"Référence du dossier : {case_id}." in message.body
        assert "/v1/" not in message.body
