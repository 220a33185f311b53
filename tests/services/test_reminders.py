from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import OutboxMessage, StaffMember
from app.services.mail import STAFF_OVERDUE_DIGEST
from app.services.notifications import Links
from app.services.reminders import DIGEST_SIZE, Digest, remind_overdue
from app.services.staff import add_staff
from tests.case_desk import Desk

LINKS = Links("https://guichet.example")


def remind(desk: Desk, *, dry_run: bool = False) -> list[Digest]:
    with transaction(session_factory(desk.database.engine), writing=not dry_run) as session:
        return remind_overdue(session, desk.context, desk.clock.now, LINKS, dry_run=dry_run)


def outbox(desk: Desk) -> list[OutboxMessage]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == STAFF_OVERDUE_DIGEST)))


def member(desk: Desk, email: str, ti: str, *, absent: bool = False) -> None:
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        added = add_staff(
            session,
            email=email,
            name=email.split("@")[0],
            role="project_lead",
            ti_ids=[ti],
            region_codes=[],
            known_ti_ids=desk.context.territories.perimeters.territories,
            known_region_codes=desk.context.territories.geography.regions,
            now=desk.clock.now,
        )
        if absent:
            session.get_one(StaffMember, added.id).absent_from = date(2026, 11, 1)


def test_overdue_cases_make_one_weekly_digest_per_present_member_with_the_ten_oldest(desk: Desk) -> None:
    member(desk, "lea@gers-test.fr", "gers-tarn-et-garonne")
    member(desk, "absent@gers-test.fr", "gers-tarn-et-garonne", absent=True)
    member(desk, "paul@jura-test.fr", "haut-jura")
    cases = []
    for _ in range(DIGEST_SIZE + 2):
        cases.append(desk.filed()["case_id"])
        desk.clock.advance(minutes=1)
    assert remind(desk) == []

    desk.clock.advance(days=15)
    listed = remind(desk, dry_run=True)
    assert [(d.display_name, d.overdue, d.listed) for d in listed] == [("lea", 12, 10)]
    assert outbox(desk) == []  # a dry run writes nothing

    assert [d.written for d in remind(desk)] == [True]
    (digest,) = outbox(desk)
    assert digest.recipient == "lea@gers-test.fr"
    assert digest.subject == "Dossiers en attente dans vos files : 12"
    shown = [line.split()[2] for line in digest.body.splitlines() if line.startswith("- Dossier ")]
    assert shown == [f"{c}" for c in cases[:DIGEST_SIZE]]  # the oldest first
    assert "L'Isle-Jourdain (32160)" in digest.body
    assert "5 jours ouvrés" in digest.body
    assert "https://guichet.example/espace" in digest.body
    assert "Camille" not in digest.body
    assert "entreprise-test.fr" not in digest.body + digest.subject
    assert "/v1/" not in digest.body

    assert [d.written for d in remind(desk)] == [False]  # once a week, however often it runs
    desk.clock.advance(days=7)
    assert [d.written for d in remind(desk)] == [True]
    assert len(outbox(desk)) == 2
