"""The outbox grows what a delivery worker needs (channel, attempts, retry time, claim, failure).

Revision ID: e2c4d6f8a013
Revises: d1b2c3e4f502
Created: 2026-11-30 18:10 UTC

Reviewed by hand. The same columns as the partners branch's migration d1b7e2a0c002 adds to
outbox_message (all but its webhook endpoint): when both branches are merged, this revision goes
and the next one (f3d5e7a9b014) follows d1b7e2a0c002. outbox_message is altered in batch (SQLite copies the
table: nothing refers to it); its case and queue become optional (a sign-in link is about no case).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e2c4d6f8a013"
down_revision = "d1b2c3e4f502"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=20), server_default="email", nullable=False))
        batch.add_column(sa.Column("case_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recipient", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", INSTANT, nullable=True))
        batch.add_column(sa.Column("claimed_until", INSTANT, nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("failed_at", INSTANT, nullable=True))
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=True)
        batch.alter_column("queue_id", existing_type=sa.String(length=80), nullable=True)
        batch.create_index(op.f("ix_outbox_message_next_attempt_at"), ["next_attempt_at"])


def downgrade() -> None:
    # The messages that only the new columns can carry (a message about no case) go.
    op.execute("DELETE FROM outbox_message WHERE case_id IS NULL OR queue_id IS NULL")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index(op.f("ix_outbox_message_next_attempt_at"))
        batch.alter_column("queue_id", existing_type=sa.String(length=80), nullable=False)
        batch.alter_column("case_id", existing_type=sa.Uuid(), nullable=False)
        for column in (
            "failed_at",
            "last_error",
            "claimed_until",
            "next_attempt_at",
            "attempts",
            "recipient",
            "case_version",
            "channel",
        ):
            batch.drop_column(column)
