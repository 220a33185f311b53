from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class CaseEvent(Base):
    """One change of a case: who, when, from, to, note. Written with the change, never edited or
    deleted (the database refuses both, see the migration's triggers)."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: filed | transition | assigned | rerouted | note_added | withdrawn
    kind: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(20))  # applicant | staff | system
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("access_token.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    #: what else changed (queue, assignee, reason), as data
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    #: the case's version after this change
    version: Mapped[int] = mapped_column(Integer)
