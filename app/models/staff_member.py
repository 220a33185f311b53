from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, String, true
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class StaffMember(Base):
    """A person who triages requests on the desk (/espace): an admin or a project lead.

    The person acts on cases through a desk identity, an `access_token` row tied to them that no
    bearer token opens (app.services.staff): the cases' events, notes and assignees keep naming
    access tokens, as they did before staff accounts existed.
    """

    __tablename__ = "staff_member"
    __table_args__ = (CheckConstraint("role IN ('admin', 'project_lead')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: lower case, so that one person has one account whatever the case they type
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))  # admin | project_lead
    #: the queues of a project lead: TI ids and région codes
    ti_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: during an absence (both days included), new-request e-mails go to the queue's other members
    absent_from: Mapped[date | None] = mapped_column(Date)
    absent_until: Mapped[date | None] = mapped_column(Date)
    #: "sign out everywhere": sessions opened before this instant are refused
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
