"""The webhook event log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-28

Written by hand from erpsync_gui/store/webhook_models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(60), nullable=True),
        sa.Column("record_id", sa.String(191), nullable=True),
        sa.Column("subtype", sa.String(200), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], name="fk_webhook_events_profile_id_profiles",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_webhook_events_record", "webhook_events", ["profile_id", "entity", "record_id", "received_at"])
    op.create_index("ix_webhook_events_received", "webhook_events", ["received_at"])
    op.create_index("ix_webhook_events_status", "webhook_events", ["profile_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_webhook_events_status", table_name="webhook_events")
    op.drop_index("ix_webhook_events_received", table_name="webhook_events")
    op.drop_index("ix_webhook_events_record", table_name="webhook_events")
    op.drop_table("webhook_events")
