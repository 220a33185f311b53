"""The e-mails of a case's life, delivered by the outbox worker to a real SMTP server on
127.0.0.1, on SQLite and PostgreSQL: who receives what, no personal data in subjects, absences,
an SMTP server down then back (nothing lost, nothing sent twice), two workers at once."""

from __future__ import annotations

import threading
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.cases.lifecycle import CaseStatus
from app.db import session_factory, transaction
from app.models import OutboxMessage, StaffMember
from app.services.mail import EmailSender, SmtpServer
from app.services.staff import add_staff
from app.worker import run, send_due
from tests.case_desk import Desk, bearer
from tests.mail_server import MailServer, link_in, mail_server, text_part

__all__ = ["mail_server"]

APPLICANT = "camille.exemple@entreprise-test.fr"
LEAD = "lea@gers-test.fr"


def sender(mail: MailServer) -> dict[str, EmailSender]:
    server = SmtpServer("127.0.0.1", mail.port, "", "", starttls=False, timeout=2)
    return {"email": EmailSender(server, "Guichet TI <ne-pas-repondre@guichet.example>", "http://127.0.0.1:8000")}


def deliver(desk: Desk, mail: MailServer) -> tuple[int, int]:
    report = send_due(session_factory(desk.database.engine), sender(mail), desk.clock)
    return report.sent, report.retried


def member(desk: Desk, email: str, *, role: str = "project_lead", absent: bool = False) -> None:
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        added = add_staff(
            session,
            email=email,
            name=email.split("@")[0],
            role=role,  # type: ignore[arg-type]
            ti_ids=["gers-tarn-et-garonne"] if role == "project_lead" else [],
            region_codes=[],
            known_ti_ids=desk.context.territories.perimeters.territories,
            known_region_codes=desk.context.territories.geography.regions,
            now=desk.clock.now,
        )
        if absent:
            row = session.get_one(StaffMember, added.id)
            row.absent_from, row.absent_until = date(2026, 11, 23), date(2026, 12, 4)


def pending(desk: Desk) -> int:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0


def test_the_messages_of_a_case_life_reach_the_applicant_and_the_queue(desk: Desk, mail_server: MailServer) -> None:
    member(desk, LEAD)
    member(desk, "admin@guichet-test.fr", role="admin")
    filed = desk.filed()
    assert deliver(desk, mail_server) == (2, 0)
    to_applicant = mail_server.to(APPLICANT)
    to_lead = mail_server.to(LEAD)
    assert len(to_applicant) == len(to_lead) == 1
    assert mail_server.to("admin@guichet-test.fr") == []  # the queue has a member present
    link = urlsplit(link_in(to_applicant[0], r"http://127\.0\.0\.1:8000/suivi/\S+")).path
    assert desk.client.get(link).status_code == 200  # the tracking link of the message opens the case
    assert to_applicant[0]["List-Unsubscribe"] is None
    assert to_lead[0]["List-Unsubscribe"] == "<http://127.0.0.1:8000/espace/compte>"
    assert "L'Isle-Jourdain (32160)" in text_part(to_lead[0])
    assert "Camille" not in text_part(to_lead[0])  # the desk shows the applicant, not the e-mail

    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    case = filed["case_id"]
    for version, status in enumerate((CaseStatus.ACKNOWLEDGED, CaseStatus.IN_REVIEW, CaseStatus.REFERRED), start=1):
        moved = desk.client.post(f"/v1/cases/{case}/transitions", json={"to": status, "version": version}, headers=gers)
        assert moved.status_code == 200, moved.text
    assert deliver(desk, mail_server) == (3, 0)
    updates = mail_server.to(APPLICANT)[1:]
    assert [text_part(m).splitlines()[2] for m in updates] == [
        f"Votre demande au guichet Territoires d'industrie est maintenant : « {s.label} »."
        for s in (CaseStatus.ACKNOWLEDGED, CaseStatus.IN_REVIEW, CaseStatus.REFERRED)
    ]
    for message in mail_server.messages:
        subject = message["Subject"]
        assert not {"Camille", "Exemple", "@"} & set(subject.replace("@", " @ ").split())
        assert message.get_body(preferencelist=("html",)) is not None


def test_absent_members_are_skipped_and_the_admins_told_when_no_one_is_present(
    desk: Desk, mail_server: MailServer
) -> None:
    member(desk, LEAD, absent=True)
    member(desk, "admin@guichet-test.fr", role="admin")
    desk.filed()
    deliver(desk, mail_server)
    assert mail_server.to(LEAD) == []
    assert len(mail_server.to("admin@guichet-test.fr")) == 1
    member(desk, "remplacant@gers-test.fr")
    desk.filed(message="Une autre demande, pour un autre projet de recrutement.", scheme_ids=[])
    deliver(desk, mail_server)
    assert len(mail_server.to("remplacant@gers-test.fr")) == 1
    assert len(mail_server.to("admin@guichet-test.fr")) == 1


def test_an_smtp_server_down_then_back_loses_nothing_and_sends_nothing_twice(
    desk: Desk, mail_server: MailServer
) -> None:
    member(desk, LEAD)
    desk.filed()
    mail_server.stop()
    assert deliver(desk, mail_server) == (0, 2)
    assert pending(desk) == 2
    assert deliver(desk, mail_server) == (0, 0)  # not before the retry delay
    mail_server.start()
    desk.clock.advance(seconds=6)
    assert deliver(desk, mail_server) == (2, 0)
    assert deliver(desk, mail_server) == (0, 0)
    desk.clock.advance(hours=1)
    assert deliver(desk, mail_server) == (0, 0)
    assert len(mail_server.messages) == 2
    assert pending(desk) == 0


def test_two_workers_at_once_send_each_message_once(desk: Desk, mail_server: MailServer) -> None:
    member(desk, LEAD)
    for n in range(6):
        desk.filed(message=f"Demande numéro {n} pour un projet de recrutement.", scheme_ids=[] if n % 2 else ["vte"])
        desk.clock.advance(minutes=1)
    expected = pending(desk)
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        deliver(desk, mail_server)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(mail_server.messages) == expected
    assert len({m["Message-ID"] for m in mail_server.messages}) == expected
    assert pending(desk) == 0


def test_health_counts_the_e_mails_waiting_and_those_given_up(desk: Desk, mail_server: MailServer) -> None:
    member(desk, LEAD)
    desk.filed()
    email = desk.client.get("/health").json()["email"]
    assert email == {
        "smtp_configured": False,
        "problem": "aucun serveur SMTP (GUICHET_SMTP_HOST) : les e-mails restent dans la boîte d'envoi",
        "pending": 2,
        "failed": 0,
    }
    mail_server.stop()
    for _ in range(9):  # every retry fails: about 24 hours, then given up
        deliver(desk, mail_server)
        desk.clock.advance(hours=9)
    email = desk.client.get("/health").json()["email"]
    assert (email["pending"], email["failed"]) == (0, 2)
    mail_server.start()
    assert deliver(desk, mail_server) == (0, 0)  # a failed message waits for a person


def test_the_worker_loop_delivers_then_stops_when_asked(desk: Desk, mail_server: MailServer) -> None:
    member(desk, LEAD)
    desk.filed()
    turns = iter([False, True])
    run(session_factory(desk.database.engine), sender(mail_server), desk.clock, interval_seconds=0.01,
        should_stop=lambda: next(turns))  # fmt: skip
    assert len(mail_server.messages) == 2
