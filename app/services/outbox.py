"""The outbox's delivery worker: messages written with the change that causes them, sent later.

One sender per channel (`webhook` now; `email` when the desk sends mail): a sender says which
of its messages may go now (`due`), reads what it needs while the messages are claimed
(`prepare`, in the claiming transaction), then sends with no transaction open (the returned
`Attempt`), and is told when a message exhausted its retries (`gave_up`). Adding a channel is one
class and one entry of the senders given to `send_due`.

Claims are leases (`claimed_until`), taken with FOR UPDATE SKIP LOCKED on PostgreSQL: several
workers share the outbox and a worker that dies mid-delivery only delays its messages.
Failures are retried with a growing delay for about 24 hours, then the message is failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.models import OutboxMessage

logger = logging.getLogger("guichet.outbox")

#: the delay before each new attempt, after a failed one: about 24 h in all, then failed
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=8),
    timedelta(hours=8),
)
#: a claimed message is another worker's for this long (a delivery lasts seconds at most)
CLAIM_FOR = timedelta(minutes=2)
BATCH = 50


class DeliveryFailed(Exception):
    """An attempt failed; `reason` says why in words safe for the logs (no personal data, no body)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: sends one message, outside any transaction; raises DeliveryFailed
Attempt = Callable[[], None]


class Sender(Protocol):
    def due(self) -> ColumnElement[bool]:
        """The condition on outbox rows of this channel that may be sent now (beyond the schedule)."""
        ...

    def prepare(self, session: Session, message: OutboxMessage, now: datetime) -> Attempt: ...

    def gave_up(self, session: Session, message: OutboxMessage, now: datetime) -> None: ...


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


def claim(session: Session, senders: Mapping[str, Sender], now: datetime) -> list[tuple[OutboxMessage, Attempt]]:
    """Claim the messages due now (a lease), each with its attempt, to be made once this transaction
    is committed. Within a case, a message waits for its predecessors (see the senders' `due`)."""
    if not senders:
        return []
    due = or_(*((OutboxMessage.channel == channel) & sender.due() for channel, sender in senders.items()))
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                due,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.case_version)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    claimed = []
    for message in rows:
        message.claimed_until = now + CLAIM_FOR
        claimed.append((message, senders[message.channel].prepare(session, message, now)))
    return claimed


def record(
    session: Session,
    senders: Mapping[str, Sender],
    outcomes: list[tuple[OutboxMessage, str | None]],
    now: datetime,
    report: SendReport,
) -> None:
    """The attempts' outcomes: sent, to retry later (with a growing delay), or failed after the last."""
    for claimed, error in outcomes:
        message = session.get(OutboxMessage, claimed.id)
        if message is None:
            continue
        message.claimed_until = None
        message.attempts += 1
        if error is None:
            message.sent_at, message.last_error = now, None
            report.sent += 1
            continue
        message.last_error = error[:300]
        report.errors.append(f"{message.id} ({message.kind}) : {error}")
        if message.attempts > len(RETRY_DELAYS):
            message.failed_at = now
            senders[message.channel].gave_up(session, message, now)
            report.failed += 1
            logger.warning(
                "Message %s (%s) abandonné après %d essais : %s", message.id, message.kind, message.attempts, error
            )
        else:
            message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
            report.retried += 1
