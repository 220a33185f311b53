"""Partners, their API keys and webhook endpoints, the cases they filed, idempotency keys; the
outbox grows what a delivery worker needs (channel, attempts, retry time, claim, failure).

Revision ID: d1b7e2a0c002
Revises: c0a5e5f1e001
Created: 2026-11-30 17:00 UTC

Reviewed by hand. outbox_message is altered in batch (SQLite copies the table: nothing refers to
it); its case and queue become optional (a notice to a partner is about no case).

Events stay append-only, with one exception for personal data rights: an event's note may be
erased (set to NULL) when nothing else of the event changes. The triggers say so on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d1b7e2a0c002"
down_revision = "c0a5e5f1e001"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)
MESSAGE = "case_event est en ajout seul : un événement ne se modifie ni ne se supprime"
#: every column of case_event but note: an erasure leaves them as they are
KEPT = ("id", "case_id", "occurred_at", "kind", "actor_kind", "actor_id", "actor_label", "from_status", "to_status")
KEPT_TEXT = ("detail",)  # JSON: compared as text on PostgreSQL (json has no equality)
LAST = ("version",)


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("contact_role", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_name")),
    )
    op.create_table(
        "partner_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("revoked_at", INSTANT, nullable=True),
        sa.Column("last_used_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name=op.f("fk_partner_key_partner_id_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_key")),
        sa.UniqueConstraint("digest", name=op.f("uq_partner_key_digest")),
    )
    op.create_index(op.f("ix_partner_key_partner_id"), "partner_key", ["partner_id"])
    op.create_table(
        "partner_case",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("filed_at", INSTANT, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], name=op.f("fk_partner_case_case_id_case_file")),
        sa.ForeignKeyConstraint(["key_id"], ["partner_key.id"], name=op.f("fk_partner_case_key_id_partner_key")),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name=op.f("fk_partner_case_partner_id_partner")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_partner_case")),
    )
    op.create_index(op.f("ix_partner_case_partner_id"), "partner_case", ["partner_id"])
    op.create_index(op.f("ix_partner_case_request_digest"), "partner_case", ["request_digest"])
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("failing_since", INSTANT, nullable=True),
        sa.Column("removed_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name=op.f("fk_webhook_endpoint_partner_id_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(op.f("ix_webhook_endpoint_partner_id"), "webhook_endpoint", ["partner_id"])
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("completed_at", INSTANT, nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name=op.f("fk_idempotency_key_partner_id_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("partner_id", "key", name=op.f("uq_idempotency_key_partner_id")),
    )
    op.create_index(op.f("ix_idempotency_key_expires_at"), "idempotency_key", ["expires_at"])

    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=20), server_default="email", nullable=False))
        batch.add_column(sa.Column("case_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("endpoint_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("recipient", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", INSTANT, nullable=True))
        batch.add_column(sa.Column("claimed_until", INSTANT, nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("failed_at", INSTANT, nullable=True))
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=True)
        batch.alter_column("queue_id", existing_type=sa.String(length=80), nullable=True)
        batch.create_foreign_key(
            op.f("fk_outbox_message_endpoint_id_webhook_endpoint"), "webhook_endpoint", ["endpoint_id"], ["id"]
        )
        batch.create_index(op.f("ix_outbox_message_endpoint_id"), ["endpoint_id"])
        batch.create_index(op.f("ix_outbox_message_next_attempt_at"), ["next_attempt_at"])
    _events_erasable(True)


def _events_erasable(erasable: bool) -> None:
    """The append-only triggers of case_event: with (or, to go back, without) the erasure of a note."""
    columns = (*KEPT, *KEPT_TEXT, *LAST)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER case_event_no_update")
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
        when = f"WHEN NOT (NEW.note IS NULL AND {same}) " if erasable else ""
        op.execute(
            f"CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event {when}"
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        return
    allow = ""
    if erasable:
        new = ", ".join([f"NEW.{c}" for c in KEPT] + [f"NEW.{c}::text" for c in KEPT_TEXT] + [f"NEW.{c}" for c in LAST])
        old = ", ".join([f"OLD.{c}" for c in KEPT] + [f"OLD.{c}::text" for c in KEPT_TEXT] + [f"OLD.{c}" for c in LAST])
        allow = (
            f"IF TG_OP = 'UPDATE' AND NEW.note IS NULL AND ({new}) IS NOT DISTINCT FROM ({old}) "
            "THEN RETURN NEW; END IF; "
        )
    op.execute(
        "CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {allow}RAISE EXCEPTION '{MESSAGE}'; END $$"
    )


def downgrade() -> None:
    _events_erasable(False)
    # The messages that only the new columns can carry (a notice without a case, a webhook) go.
    op.execute("DELETE FROM outbox_message WHERE case_id IS NULL OR queue_id IS NULL OR endpoint_id IS NOT NULL")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index(op.f("ix_outbox_message_next_attempt_at"))
        batch.drop_index(op.f("ix_outbox_message_endpoint_id"))
        batch.drop_constraint(op.f("fk_outbox_message_endpoint_id_webhook_endpoint"), type_="foreignkey")
        batch.alter_column("queue_id", existing_type=sa.String(length=80), nullable=False)
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=False)
        for column in (
            "failed_at",
            "last_error",
            "claimed_until",
            "next_attempt_at",
            "attempts",
            "recipient",
            "endpoint_id",
            "case_version",
            "channel",
        ):
            batch.drop_column(column)
    for table in ("idempotency_key", "webhook_endpoint", "partner_case", "partner_key", "partner"):
        op.drop_table(table)
