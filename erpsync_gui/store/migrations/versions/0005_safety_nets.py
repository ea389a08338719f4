"""Safety nets: an entity's merge fallback, brake threshold and on_delete; each pair's merge base; the
before-images of writes (undo); deletes waiting for approval.

Revision ID: 0005_safety_nets
Revises: 0004
Create Date: 2026-12-01

Written by hand from erpsync_gui/store/safety_models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_safety_nets"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entity_configs") as batch:
        batch.add_column(sa.Column("safety", sa.JSON(), nullable=True))
    op.create_table(
        "link_snapshots",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.String(40), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("link_id", name="pk_link_snapshots"),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name="fk_link_snapshots_link_id_links", ondelete="CASCADE"),
    )
    op.create_table(
        "before_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("side", sa.String(3), nullable=False),
        sa.Column("record_id", sa.String(191), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_before_images"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_before_images_run_id_runs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], name="fk_before_images_profile_id_profiles",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_before_images_run", "before_images", ["run_id"])
    op.create_index("ix_before_images_created", "before_images", ["created_at"])
    op.create_table(
        "pending_deletes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("deleted_side", sa.String(3), nullable=False),
        sa.Column("deleted_id", sa.String(191), nullable=False),
        sa.Column("twin_id", sa.String(191), nullable=False),
        sa.Column("last_values", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_pending_deletes"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], name="fk_pending_deletes_profile_id_profiles",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_pending_deletes_open", "pending_deletes", ["profile_id", "entity", "status"])


def downgrade() -> None:
    op.drop_index("ix_pending_deletes_open", table_name="pending_deletes")
    op.drop_table("pending_deletes")
    op.drop_index("ix_before_images_created", table_name="before_images")
    op.drop_index("ix_before_images_run", table_name="before_images")
    op.drop_table("before_images")
    op.drop_table("link_snapshots")
    with op.batch_alter_table("entity_configs") as batch:
        batch.drop_column("safety")
