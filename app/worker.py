"""The worker: delivers the outbox (`guichet outbox send`: one pass; `guichet worker`: a loop).

Each step is a transaction of its own (app.db.transaction); a delivery is made between two, with
no transaction open. Several workers can run at once: the outbox's claims are leases, taken with
SKIP LOCKED on PostgreSQL.

The partners branch has the same module (send_due and the loop are the same text) with its daily
jobs and the webhook sender: when both are merged, its module stays and `senders_of` gains the
e-mail sender below.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction
from app.models import OutboxMessage
from app.services import outbox
from app.services.mail import CHANNEL as EMAIL_CHANNEL
from app.services.mail import EmailSender
from app.settings import Settings

logger = logging.getLogger("guichet.worker")


def senders_of(settings: Settings) -> dict[str, outbox.Sender]:
    """A sender per channel the worker delivers; without an SMTP server, e-mails wait in the outbox."""
    return {EMAIL_CHANNEL: EmailSender.of(settings)} if settings.smtp_host else {}


def send_due(
    sessions: sessionmaker[Session],
    senders: Mapping[str, outbox.Sender],
    clock: Callable[[], datetime],
    *,
    rounds: int = 20,
) -> outbox.SendReport:
    """One pass: every message due now is attempted once (within a case, in order: a message whose
    predecessor was just sent becomes due in the next round)."""
    report = outbox.SendReport()
    if not senders:
        return report
    for _ in range(rounds):
        with transaction(sessions, writing=True) as session:
            claimed = outbox.claim(session, senders, clock())
        if not claimed:
            break
        outcomes: list[tuple[OutboxMessage, str | None]] = []
        for message, attempt in claimed:
            try:
                attempt()
            except outbox.DeliveryFailed as exc:
                outcomes.append((message, exc.reason))
            else:
                outcomes.append((message, None))
        with transaction(sessions, writing=True) as session:
            outbox.record(session, senders, outcomes, clock(), report)
    return report


def run(
    sessions: sessionmaker[Session],
    senders: Mapping[str, outbox.Sender],
    clock: Callable[[], datetime],
    *,
    interval_seconds: float = 5.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Deliver the outbox every `interval_seconds` until `should_stop` (SIGTERM, see the CLI)."""
    while not should_stop():
        try:
            report = send_due(sessions, senders, clock)
            if report.attempted:
                logger.info(
                    "Envois : %d réussi(s), %d à réessayer, %d abandonné(s).",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except Exception as exc:  # the database gone a moment: the next turn tries again
            logger.error("Tour du worker interrompu (%s) ; nouvel essai au tour suivant.", type(exc).__name__)
        time.sleep(interval_seconds)
