"""A run's error kind (quota, auth, config ...) beside its message, so failed-run groups and "Needs attention"
can name a quota-stopped run; an endpoint's time of its last connection test, so its status says when it
was last checked.

Revision ID: 0006_run_kind_endpoint_test
Revises: 0005_safety_nets
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_run_kind_endpoint_test"
down_revision = "0005_safety_nets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("error_kind", sa.String(40), nullable=True))
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("last_tested_at")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("error_kind")
