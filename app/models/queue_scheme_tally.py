from __future__ import annotations

from sqlalchemy import Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class QueueSchemeTally(Base):
    """How many cases of a queue asked for each scheme (its `case_scheme` rows).

    Kept by the database itself: triggers on `case_scheme` (insert, delete) and on `case_file`
    (a case moved to another queue takes its schemes along), migration 2026_11_30_2200.
    """

    __tablename__ = "queue_scheme_tally"

    queue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    scheme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: which of the key's counters: PostgreSQL sessions write one of 8 (by server process), so
    #: that concurrent writers of one queue do not wait for each other; the figure is their sum
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
