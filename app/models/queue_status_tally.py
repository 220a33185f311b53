from __future__ import annotations

from sqlalchemy import Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

#: the `ti_id` of the cases filed outside every TI: a key column cannot hold NULL (two NULLs never
#: conflict, so an upsert would add a row per case instead of counting it)
NO_TI = ""


class QueueStatusTally(Base):
    """How many cases a queue holds for each TI and status, and how many of them were acknowledged.

    Kept by the database itself: triggers on `case_file` (migration 2026_11_30_2200) count every
    insert, change of queue, TI, status or acknowledgement, and delete, whatever writes it. The
    statistics read these few rows instead of every case. A count that fell to zero keeps its row;
    a shard's count may be negative (a case counted by one session, moved by another), never their sum.
    """

    __tablename__ = "queue_status_tally"

    queue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    ti_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: which of the key's counters: PostgreSQL sessions write one of 8 (by server process), so
    #: that concurrent writers of one queue do not wait for each other; the figure is their sum
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
    acknowledged: Mapped[int] = mapped_column(Integer)
