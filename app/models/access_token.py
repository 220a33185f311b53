from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class AccessToken(Base):
    """A staff token: only its keyed digest is stored, never the token itself."""

    __tablename__ = "access_token"
    __table_args__ = (CheckConstraint("role IN ('admin', 'project_lead')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # admin | project_lead
    #: who holds it: a role or a first name, shown to colleagues (« Chargée de mission, PETR »)
    holder: Mapped[str] = mapped_column(String(120))
    #: the queues of a project lead: TI ids and région codes
    ti_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: the staff member it belongs to, if any: a disabled member's tokens stop working
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"), index=True)
