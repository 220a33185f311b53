from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class OutboxMessage(Base):
    """A message written in the transaction of the change that causes it, delivered later by the
    worker (`guichet outbox send`, `guichet worker`) through the sender of its channel.

    No personal data of the applicant: the queue reads it through the case; a webhook carries the
    case id, its status and dates.
    """

    __tablename__ = "outbox_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: one message per cause (a reminder per case, reason and week; an event per endpoint)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    #: how it leaves: email | webhook (one sender per channel, see app/services/outbox.py)
    channel: Mapped[str] = mapped_column(String(20), server_default="email")
    #: what it says: a reminder's reason, a webhook's event type (case.filed…)
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    #: the case's version the message tells of: messages of one case go out in this order
    case_version: Mapped[int | None] = mapped_column(Integer)
    queue_id: Mapped[str | None] = mapped_column(String(80))
    #: a webhook's endpoint
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    #: an e-mail to an organisation (a partner's address); a queue's e-mail goes to the queue
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    #: the e-mail's text; a webhook's JSON payload, exactly as signed
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    #: not tried again before this instant (None: at once)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    #: a worker is delivering it until this instant (another worker leaves it alone)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: why the last attempt failed (a status, a refused address: never a response body)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: retries exhausted: waits for a redelivery
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
