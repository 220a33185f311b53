from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class WebhookEndpoint(Base):
    """Where a partner receives the events of its cases, signed with the endpoint's secret."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: case.filed, case.status_changed, case.withdrawn
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the Standard Webhooks secret (whsec_…): the sender needs it to sign, so it is kept as it is
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: set when a delivery exhausted its retries; nothing more is sent until a redelivery is asked
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: replaced or removed by the partner; kept for the deliveries that name it
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
