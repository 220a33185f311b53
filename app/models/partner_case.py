from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class PartnerCase(Base):
    """A case filed by a partner on behalf of an SME: the partner reads and withdraws it, and only it."""

    __tablename__ = "partner_case"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_key.id"))
    #: digest of the request as filed: the same request again within minutes is a duplicate
    request_digest: Mapped[str] = mapped_column(String(64), index=True)
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
