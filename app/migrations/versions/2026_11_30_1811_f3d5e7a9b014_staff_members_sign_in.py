"""Staff members (the desk's accounts), their sign-in requests and links; tokens tied to a member.

Revision ID: f3d5e7a9b014
Revises: d1b2c3e4f502
Created: 2026-11-30 18:11 UTC

Reviewed by hand. access_token gains an optional staff member (batch: SQLite copies the table,
which case_file, case_event and case_note refer to; the copy keeps its name and rows, so their
foreign keys hold). The downgrade keeps the desk identities (tokens tied to a member, which no
bearer token opens) as plain tokens: the cases' events and notes name them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f3d5e7a9b014"
down_revision = "d1b2c3e4f502"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("ti_ids", sa.JSON(), nullable=False),
        sa.Column("region_codes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("disabled_at", INSTANT, nullable=True),
        sa.Column("absent_from", sa.Date(), nullable=True),
        sa.Column("absent_until", sa.Date(), nullable=True),
        sa.Column("sessions_valid_after", INSTANT, nullable=True),
        sa.CheckConstraint("role IN ('admin', 'project_lead')", name=op.f("ck_staff_member_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_member")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_member_email")),
    )
    op.create_table(
        "sign_in_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", INSTANT, nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("client_digest", sa.String(length=64), nullable=False),
        sa.Column("link_digest", sa.String(length=64), nullable=True),
        sa.Column("staff_member_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("used_at", INSTANT, nullable=True),
        sa.Column("next_path", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_member_id"], ["staff_member.id"], name=op.f("fk_sign_in_request_staff_member_id_staff_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_request")),
        sa.UniqueConstraint("link_digest", name=op.f("uq_sign_in_request_link_digest")),
    )
    op.create_index(op.f("ix_sign_in_request_requested_at"), "sign_in_request", ["requested_at"])
    op.create_index(op.f("ix_sign_in_request_email_digest"), "sign_in_request", ["email_digest"])
    op.create_index(op.f("ix_sign_in_request_client_digest"), "sign_in_request", ["client_digest"])
    op.create_index(op.f("ix_sign_in_request_staff_member_id"), "sign_in_request", ["staff_member_id"])
    with op.batch_alter_table("access_token") as batch:
        batch.add_column(sa.Column("staff_member_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_access_token_staff_member_id_staff_member"), "staff_member", ["staff_member_id"], ["id"]
        )
        batch.create_index(op.f("ix_access_token_staff_member_id"), ["staff_member_id"])


def downgrade() -> None:
    with op.batch_alter_table("access_token") as batch:
        batch.drop_index(op.f("ix_access_token_staff_member_id"))
        batch.drop_constraint(op.f("fk_access_token_staff_member_id_staff_member"), type_="foreignkey")
        batch.drop_column("staff_member_id")
    op.drop_table("sign_in_request")
    op.drop_table("staff_member")
