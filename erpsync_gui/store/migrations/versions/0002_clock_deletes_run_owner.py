"""Endpoints know their clock offset; links can be retired when a record was deleted and remember an update
whose outcome is unknown; cursors know the mapping they were read under; runs name the process
that runs them (so a run left behind by a killed process can be closed as interrupted); open errors are
found by entity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("clock_offset_s", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("deleted_side", sa.String(3), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expected_side", sa.String(3), nullable=True))
        batch.add_column(sa.Column("expected_checksum", sa.String(64), nullable=True))
    with op.batch_alter_table("cursors") as batch:
        batch.add_column(sa.Column("mapping_fingerprint", sa.String(64), nullable=True))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
    # open errors of a record are looked up when it syncs at last
    op.create_index("ix_outcomes_open", "outcomes", ["profile_id", "entity", "resolution"])


def downgrade() -> None:
    op.drop_index("ix_outcomes_open", table_name="outcomes")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("pid")
        batch.drop_column("host")
    with op.batch_alter_table("cursors") as batch:
        batch.drop_column("mapping_fingerprint")
    with op.batch_alter_table("links") as batch:
        batch.drop_column("expected_checksum")
        batch.drop_column("expected_side")
        batch.drop_column("deleted_at")
        batch.drop_column("deleted_side")
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("clock_offset_s")
