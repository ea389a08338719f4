"""The initial schema: profiles, endpoints, entity configs, links, cursors, runs, outcomes, conflicts,
daily stats and the log.

Revision ID: 0001
Revises:
Create Date: 2026-05-20

Written out by hand from erpsync_gui/store/models.py (a test compares the migrated schema with the
models). Constraints carry names so later batch-mode migrations on SQLite can address them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _profile_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["profile_id"], ["profiles.id"], name=f"fk_{table}_profile_id_profiles", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_profiles"),
        sa.UniqueConstraint("name", name="uq_profiles_name"),
    )
    op.create_table(
        "endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("auth", sa.String(40), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("timeout", sa.Float(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("log_level", sa.String(10), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_endpoints"),
        _profile_fk("endpoints"),
        sa.UniqueConstraint("profile_id", "side", name="uq_endpoints_profile_id_side"),
    )
    op.create_table(
        "entity_configs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("policy", sa.String(20), nullable=False),
        sa.Column("match_keys", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("currency_mapping", sa.JSON(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=True),
        sa.Column("crm_name", sa.String(100), nullable=True),
        sa.Column("erp_name", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_entity_configs"),
        _profile_fk("entity_configs"),
        sa.UniqueConstraint("profile_id", "entity", name="uq_entity_configs_profile_id_entity"),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("crm_id", sa.String(191), nullable=True),
        sa.Column("erp_id", sa.String(191), nullable=True),
        sa.Column("crm_checksum", sa.String(64), nullable=True),
        sa.Column("erp_checksum", sa.String(64), nullable=True),
        sa.Column("crm_version", sa.String(191), nullable=True),
        sa.Column("erp_version", sa.String(191), nullable=True),
        sa.Column("crm_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erp_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_txn_id", sa.String(36), nullable=True),
        sa.Column("last_written_side", sa.String(3), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("pending_side", sa.String(3), nullable=True),
        sa.Column("create_unknown", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_links"),
        _profile_fk("links"),
        sa.UniqueConstraint("profile_id", "entity", "crm_id", name="uq_links_crm"),
        sa.UniqueConstraint("profile_id", "entity", "erp_id", name="uq_links_erp"),
    )
    op.create_index("ix_links_state", "links", ["profile_id", "entity", "state"])
    op.create_table(
        "cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("side", sa.String(3), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cursors"),
        _profile_fk("cursors"),
        sa.UniqueConstraint("profile_id", "entity", "side", name="uq_cursors_profile_id_entity_side"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("trigger", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        _profile_fk("runs"),
    )
    op.create_index("ix_runs_profile_entity", "runs", ["profile_id", "entity", "started_at"])
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("crm_id", sa.String(191), nullable=True),
        sa.Column("erp_id", sa.String(191), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("target_side", sa.String(3), nullable=True),
        sa.Column("error_kind", sa.String(40), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("signature", sa.String(64), nullable=True),
        sa.Column("payload_excerpt", sa.Text(), nullable=True),
        sa.Column("resolution", sa.String(10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outcomes"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_outcomes_run_id_runs", ondelete="CASCADE"),
        _profile_fk("outcomes"),
    )
    op.create_index("ix_outcomes_run", "outcomes", ["run_id"])
    op.create_index("ix_outcomes_signature", "outcomes", ["profile_id", "signature"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("crm_values", sa.JSON(), nullable=False),
        sa.Column("erp_values", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
        _profile_fk("conflicts"),
        sa.ForeignKeyConstraint(
            ["link_id"], ["links.id"], name="fk_conflicts_link_id_links", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("profile_id", "entity", "link_id", name="uq_conflicts_profile_id_entity_link_id"),
    )
    op.create_table(
        "daily_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("failed_runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_daily_stats"),
        _profile_fk("daily_stats"),
        sa.UniqueConstraint("profile_id", "day", "entity", name="uq_daily_stats_profile_id_day_entity"),
    )
    op.create_table(
        "log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(60), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_log"),
    )
    op.create_index("ix_log_created", "log", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_log_created", table_name="log")
    op.drop_table("log")
    op.drop_table("daily_stats")
    op.drop_table("conflicts")
    op.drop_index("ix_outcomes_signature", table_name="outcomes")
    op.drop_index("ix_outcomes_run", table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_index("ix_runs_profile_entity", table_name="runs")
    op.drop_table("runs")
    op.drop_table("cursors")
    op.drop_index("ix_links_state", table_name="links")
    op.drop_table("links")
    op.drop_table("entity_configs")
    op.drop_table("endpoints")
    op.drop_table("profiles")
