from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Computed,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler

from app.cases.lifecycle import OPEN_STATUSES, CaseStatus
from app.models.base import Base, UtcDateTime

# The same SQL text as the migration's (tests/test_migrations.py compares the schema with the models).
_STATUS_CHECK = "status IN ({})".format(", ".join(f"'{status}'" for status in CaseStatus))
#: the statuses of the partial indexes, written out: a partial index is used only by a query whose
#: condition is the index's own text (SQLite never matches a bound value to it)
SUBMITTED_SQL = f"status = '{CaseStatus.SUBMITTED}'"
FURTHER_ON_SQL = "status IN ({})".format(
    ", ".join(f"'{status}'" for status in OPEN_STATUSES if status != CaseStatus.SUBMITTED)
)


class HoursToAcknowledgement(ColumnElement[float]):
    """The hours from filing to acknowledgement, as each database computes them (the migration's SQL)."""

    type = Float()
    inherit_cache = True


@compiles(HoursToAcknowledgement, "postgresql")
def _hours_on_postgresql(element: HoursToAcknowledgement, compiler: SQLCompiler, **kw: object) -> str:  # noqa: ARG001
    # date_part, not extract: a double precision, where extract's numeric is slower to sort.
    return "date_part('epoch', acknowledged_at - submitted_at) / 3600"


@compiles(HoursToAcknowledgement)
def _hours_on_sqlite(element: HoursToAcknowledgement, compiler: SQLCompiler, **kw: object) -> str:  # noqa: ARG001
    # SQLite keeps UTC instants as text: julianday() reads them, in days.
    return "(julianday(acknowledged_at) - julianday(submitted_at)) * 24"


class CaseFile(Base):
    """A request filed from a match, followed to its outcome (« dossier »).

    The profile, the verdicts and the catalogue version are the snapshot taken at filing time:
    a later catalogue change never rewrites them.
    """

    __tablename__ = "case_file"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status"),
        # A queue's page, oldest first, read from the index in order (no sort of the whole queue).
        Index("ix_case_file_queue_order", "queue_id", "submitted_at", "id"),
        # Every figure of a queue (counts by TI and status, overdue, delays, cases of a scheme) read
        # from the index alone. TI and status have no index of their own: planners would then prefer
        # them for their order, and read the whole table.
        Index(
            "ix_case_file_queue_figures",
            "queue_id",
            "ti_id",
            "status",
            "submitted_at",
            "acknowledged_at",
            "last_event_at",
            "commune_code",
            "id",
        ),
        # The overdue count of a queue reads the ranges of its overdue cases and few others: those
        # still submitted, by filing instant; those further on, by their last event's.
        Index(
            "ix_case_file_queue_submitted",
            "queue_id",
            "submitted_at",
            "commune_code",
            "last_event_at",
            # always 'submitted', but SQLite reads the index alone only if it holds every column named
            "status",
            sqlite_where=text(SUBMITTED_SQL),
            postgresql_where=text(SUBMITTED_SQL),
        ),
        Index(
            "ix_case_file_queue_quiet",
            "queue_id",
            "last_event_at",
            "status",
            sqlite_where=text(FURTHER_ON_SQL),
            postgresql_where=text(FURTHER_ON_SQL),
        ),
        # The median delay of a queue read in order from the index: SQLite skips to the middle,
        # PostgreSQL's percentile_cont reads the stored delays by an index-only scan.
        Index(
            "ix_case_file_queue_acknowledgement",
            "queue_id",
            "hours_to_acknowledgement",
            sqlite_where=text("hours_to_acknowledgement IS NOT NULL"),
            postgresql_where=text("hours_to_acknowledgement IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(20))
    #: bumped by every change; a change made from a stale version is refused
    version: Mapped[int] = mapped_column(Integer)
    queue_id: Mapped[str] = mapped_column(String(80), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("access_token.id"))

    # Where the company is, at filing time (for routing and statistics).
    commune_code: Mapped[str] = mapped_column(String(5))
    region_code: Mapped[str] = mapped_column(String(3))
    ti_id: Mapped[str | None] = mapped_column(String(64))
    routing: Mapped[dict[str, Any]] = mapped_column(JSON)

    # The snapshot.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSON)
    catalogue_version: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date] = mapped_column(Date)
    flagged_ineligible: Mapped[bool] = mapped_column(Boolean)

    # What the applicant wrote, and how to reach them (personal data: shown to the case's queue only).
    message: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tracking_digest: Mapped[str] = mapped_column(String(64), unique=True)

    decline_reason: Mapped[str | None] = mapped_column(String(40))
    decline_explanation: Mapped[str | None] = mapped_column(Text)

    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_event_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    #: computed by the database from the two instants (none before acknowledgement): stored on
    #: PostgreSQL, computed when read on SQLite (which cannot add a stored column), indexed on both
    hours_to_acknowledgement: Mapped[float | None] = mapped_column(
        Float, Computed(HoursToAcknowledgement(), persisted=True)
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API
