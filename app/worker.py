"""The worker: delivers the outbox (`guichet outbox send`: one pass; `guichet worker`: a loop) and
runs the daily jobs (partner keys about to expire, retention of closed cases, old idempotency keys).

Each step is a transaction of its own (app.db.transaction); a delivery is made between two, with
no transaction open. Several workers can run at once: the outbox's claims are leases, taken with
SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.clock import PARIS
from app.db import transaction
from app.models import OutboxMessage
from app.services import idempotency, outbox, partners
from app.services.retention import DEFAULT_MONTHS, purge_closed_cases
from app.services.webhooks import CHANNEL as WEBHOOK_CHANNEL
from app.services.webhooks import WebhookSender
from app.settings import Settings

logger = logging.getLogger("guichet.worker")


def senders_of(settings: Settings) -> dict[str, outbox.Sender]:
    """A sender per channel the worker delivers (e-mail joins here when the desk sends mail)."""
    return {WEBHOOK_CHANNEL: WebhookSender(allow_local=settings.webhook_allow_local)}


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


@dataclass(frozen=True)
class DailyReport:
    key_notices: int
    purged_cases: int
    forgotten_keys: int


def daily_jobs(
    sessions: sessionmaker[Session], now: datetime, *, retention_months: int = DEFAULT_MONTHS
) -> DailyReport:
    with transaction(sessions, writing=True) as session:
        notices = partners.notify_expiring_keys(session, now)
        purged = len(purge_closed_cases(session, now, older_than_months=retention_months))
        forgotten = idempotency.forget_expired(session, now)
    return DailyReport(notices, purged, forgotten)


def run(
    sessions: sessionmaker[Session],
    senders: Mapping[str, outbox.Sender],
    clock: Callable[[], datetime],
    *,
    interval_seconds: float = 5.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Deliver the outbox every `interval_seconds`, and run the daily jobs once a day (Paris)."""
    last_day: date | None = None
    while not should_stop():
        now = clock()
        today = now.astimezone(PARIS).date()
        try:
            if today != last_day:
                daily = daily_jobs(sessions, now)
                logger.info(
                    "Tâches du jour : %d avis d'expiration de clé, %d dossier(s) anonymisé(s), %d clé(s) "
                    "d'idempotence oubliée(s).",
                    daily.key_notices,
                    daily.purged_cases,
                    daily.forgotten_keys,
                )
                last_day = today
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
