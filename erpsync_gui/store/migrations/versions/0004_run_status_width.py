"""A run's status holds "interrupted" (11 characters): the column grows from 10 to 20.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("status", existing_type=sa.String(10), type_=sa.String(20), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("status", existing_type=sa.String(20), type_=sa.String(10), existing_nullable=False)
