"""Cases, their events and internal notes, staff tokens, the outbox of reminders.

Revision ID: c0a5e5f1e001
Revises:
Created: 2026-11-26 07:10 UTC

Reviewed by hand. Events are append-only: triggers refuse UPDATE and DELETE on case_event, on
both SQLite and PostgreSQL, so that a case's history cannot be rewritten even by a bug.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0a5e5f1e001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = "'submitted', 'acknowledged', 'in_review', 'referred', 'accepted', 'declined', 'withdrawn', 'closed'"
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "access_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("ti_ids", sa.JSON(), nullable=False),
        sa.Column("region_codes", sa.JSON(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("revoked_at", INSTANT, nullable=True),
        sa.CheckConstraint("role IN ('admin', 'project_lead')", name=op.f("ck_access_token_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_access_token_digest")),
    )
    op.create_table(
        "case_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.String(length=80), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("region_code", sa.String(length=3), nullable=False),
        sa.Column("ti_id", sa.String(length=64), nullable=True),
        sa.Column("routing", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("catalogue_version", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("flagged_ineligible", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=True),
        sa.Column("consent_at", INSTANT, nullable=False),
        sa.Column("tracking_digest", sa.String(length=64), nullable=False),
        sa.Column("decline_reason", sa.String(length=40), nullable=True),
        sa.Column("decline_explanation", sa.Text(), nullable=True),
        sa.Column("submitted_at", INSTANT, nullable=False),
        sa.Column("acknowledged_at", INSTANT, nullable=True),
        sa.Column("last_event_at", INSTANT, nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_case_file_status")),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["access_token.id"], name=op.f("fk_case_file_assignee_id_access_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("tracking_digest", name=op.f("uq_case_file_tracking_digest")),
    )
    for column in ("last_event_at", "queue_id", "status", "submitted_at", "ti_id"):
        op.create_index(op.f(f"ix_case_file_{column}"), "case_file", [column])

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", INSTANT, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["access_token.id"], name=op.f("fk_case_event_actor_id_access_token")),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_case_event_case_id_case_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"])

    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_label", sa.String(length=120), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["access_token.id"], name=op.f("fk_case_note_author_id_access_token")),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_case_note_case_id_case_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    op.create_index(op.f("ix_case_note_case_id"), "case_note", ["case_id"])

    op.create_table(
        "case_scheme",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("acknowledged_ineligible", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_case_scheme_case_id_case_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_scheme")),
        sa.UniqueConstraint("case_id", "scheme_id", name=op.f("uq_case_scheme_case_id")),
    )
    op.create_index(op.f("ix_case_scheme_case_id"), "case_scheme", ["case_id"])
    op.create_index(op.f("ix_case_scheme_scheme_id"), "case_scheme", ["scheme_id"])

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("queue_id", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("sent_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_outbox_message_case_id_case_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key")),
    )
    op.create_index(op.f("ix_outbox_message_case_id"), "outbox_message", ["case_id"])

    _forbid_event_rewrites()


def _forbid_event_rewrites() -> None:
    message = "case_event est en ajout seul : un événement ne se modifie ni ne se supprime"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_event_no_{verb.lower()} BEFORE {verb} ON case_event "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
            "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"
        )


def downgrade() -> None:
    # Dropping case_event drops its triggers; PostgreSQL's trigger function goes after it.
    for table in ("outbox_message", "case_scheme", "case_note", "case_event", "case_file", "access_token"):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION case_event_append_only()")
