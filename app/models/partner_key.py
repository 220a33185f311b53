from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class PartnerKey(Base):
    """An API key of a partner: like a staff token, only its keyed digest is stored."""

    __tablename__ = "partner_key"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: what the key may do: match, cases:write, cases:read
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: the start of the last day it was used (written at most once a day)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
