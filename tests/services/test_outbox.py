"""The outbox's claims and senders: a channel is one sender; a claim is a lease that another
worker leaves alone (SKIP LOCKED on PostgreSQL) and takes over once it has run out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, create_engine, delete, true
from sqlalchemy.orm import Session

from app.db import session_factory, transaction
from app.models import OutboxMessage
from app.services.outbox import CLAIM_FOR, Attempt, DeliveryFailed, SendReport, claim, record
from app.worker import send_due
from tests.databases import Database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Mailbox:
    """An e-mail sender as the desk will add one: the messages it was given, in order."""

    def __init__(self, *, failing: bool = False) -> None:
        self.sent: list[str] = []
        self.failing = failing
        self.gave_up_on: list[uuid.UUID] = []

    def due(self) -> ColumnElement[bool]:
        return true()

    def prepare(self, session: Session, message: OutboxMessage, now: datetime) -> Attempt:  # noqa: ARG002
        subject = message.subject

        def attempt() -> None:
            if self.failing:
                raise DeliveryFailed("serveur de messagerie injoignable")
            self.sent.append(subject)

        return attempt

    def gave_up(self, session: Session, message: OutboxMessage, now: datetime) -> None:  # noqa: ARG002
        self.gave_up_on.append(message.id)


def a_message(subject: str, created_at: datetime = NOW) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=f"test:{uuid.uuid4()}",
        channel="email",
        kind="avis",
        recipient="numerique@partenaire.example",
        subject=subject,
        body="Bonjour,",
        created_at=created_at,
    )


def test_a_channel_is_one_sender_and_its_messages_go_once_in_order(database: Database) -> None:
    sessions = session_factory(database.engine)
    with transaction(sessions, writing=True) as session:
        session.add_all([a_message("premier"), a_message("second", NOW + timedelta(seconds=1))])
    mailbox = Mailbox()

    first = send_due(sessions, {"email": mailbox}, lambda: NOW)
    again = send_due(sessions, {"email": mailbox}, lambda: NOW)
    nobody = send_due(sessions, {}, lambda: NOW)

    assert (first.sent, again.attempted, nobody.attempted) == (2, 0, 0)
    assert mailbox.sent == ["premier", "second"]


def test_a_claimed_message_is_left_to_its_worker_until_the_lease_runs_out(database: Database) -> None:
    sessions = session_factory(database.engine)
    with transaction(sessions, writing=True) as session:
        session.add(a_message("avis"))
    mailbox = Mailbox()
    with transaction(sessions, writing=True) as session:
        first = claim(session, {"email": mailbox}, NOW)
    with transaction(sessions, writing=True) as session:
        meanwhile = claim(session, {"email": mailbox}, NOW + CLAIM_FOR - timedelta(seconds=1))
    with transaction(sessions, writing=True) as session:
        taken_over = claim(session, {"email": mailbox}, NOW + CLAIM_FOR + timedelta(seconds=1))

    assert [m.subject for m, _ in first] == ["avis"]
    assert meanwhile == []
    assert [m.subject for m, _ in taken_over] == ["avis"]


def test_a_failed_attempt_is_retried_later_and_given_up_after_the_last(database: Database) -> None:
    sessions = session_factory(database.engine)
    with transaction(sessions, writing=True) as session:
        session.add(a_message("avis"))
    mailbox = Mailbox(failing=True)
    report = SendReport()
    at = NOW
    for _ in range(20):
        with transaction(sessions, writing=True) as session:
            claimed = claim(session, {"email": mailbox}, at)
        if claimed:
            outcomes: list[tuple[OutboxMessage, str | None]] = []
            for message, attempt in claimed:
                try:
                    attempt()
                except DeliveryFailed as exc:
                    outcomes.append((message, exc.reason))
            with transaction(sessions, writing=True) as session:
                record(session, {"email": mailbox}, outcomes, at, report)
        at += timedelta(hours=9)

    assert report.sent == 0
    assert report.failed == 1
    assert report.retried == 8
    assert len(mailbox.gave_up_on) == 1
    assert report.errors[-1].endswith("serveur de messagerie injoignable")


def test_two_workers_on_postgresql_never_claim_the_same_message(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    with transaction(sessions, writing=True) as session:
        session.add_all([a_message(f"avis {i}", NOW + timedelta(seconds=i)) for i in range(3)])
    mailbox = Mailbox()
    try:
        # The first worker's claim is not committed yet: its rows are locked, and skipped.
        with Session(engine) as first, Session(engine) as second:
            mine = claim(first, {"email": mailbox}, NOW)
            theirs = claim(second, {"email": mailbox}, NOW)
            assert len(mine) == 3
            assert theirs == []
            first.rollback()
            second.rollback()
    finally:
        with engine.begin() as connection:
            connection.execute(delete(OutboxMessage))
        engine.dispose()
