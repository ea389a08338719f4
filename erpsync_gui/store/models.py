"""The state store's tables (SQLAlchemy 2 ORM). Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for bulk statements (the declarative base types it as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table), model
    return table


class ProfileRow(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    demo: Mapped[bool] = mapped_column(default=False)
    #: Schedule as a dict (see erpsync_gui.profile.Schedule)
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    endpoints: Mapped[list[EndpointRow]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin"
    )
    entity_configs: Mapped[list[EntityConfigRow]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin",
        order_by="EntityConfigRow.position",
    )


class EndpointRow(Base):
    """One side of a profile. Settings only: secrets live in the OS keyring."""

    __tablename__ = "endpoints"
    __table_args__ = (UniqueConstraint("profile_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(3))  # crm | erp
    kind: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    auth: Mapped[str] = mapped_column(String(40), default="none")
    batch_size: Mapped[int] = mapped_column(default=50)
    timeout: Mapped[float] = mapped_column(Float, default=30.0)
    retries: Mapped[int] = mapped_column(default=3)
    log_level: Mapped[str] = mapped_column(String(10), default="INFO")
    #: seconds the system's clock is ahead of this PC's (see profile.EndpointConfig.clock_offset_s)
    clock_offset_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    #: active | error | expired (set by connection tests and auth failures)
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_message: Mapped[str | None] = mapped_column(Text)
    #: when the last connection test ran (whatever its verdict); None until one has
    last_tested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    profile: Mapped[ProfileRow] = relationship(back_populates="endpoints")


class EntityConfigRow(Base):
    __tablename__ = "entity_configs"
    __table_args__ = (UniqueConstraint("profile_id", "entity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    direction: Mapped[str] = mapped_column(String(10), default="both")
    policy: Mapped[str] = mapped_column(String(20), default="crm_wins")
    match_keys: Mapped[list] = mapped_column(JSON, default=list)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    currency_mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    batch_size: Mapped[int | None] = mapped_column()
    crm_name: Mapped[str | None] = mapped_column(String(100))
    erp_name: Mapped[str | None] = mapped_column(String(100))
    #: merge fallback, brake threshold and on_delete (see profile.EntityConfig)
    safety: Mapped[dict | None] = mapped_column(JSON)

    profile: Mapped[ProfileRow] = relationship(back_populates="entity_configs")


class LinkRow(Base):
    """Ties a CRM record to its ERP twin. A row with one id missing is a source record that is not
    synced yet (pending or failed): that is how nothing gets lost between runs."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("profile_id", "entity", "crm_id", name="uq_links_crm"),
        UniqueConstraint("profile_id", "entity", "erp_id", name="uq_links_erp"),
        Index("ix_links_state", "profile_id", "entity", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    crm_id: Mapped[str | None] = mapped_column(String(191))
    erp_id: Mapped[str | None] = mapped_column(String(191))
    crm_checksum: Mapped[str | None] = mapped_column(String(64))
    erp_checksum: Mapped[str | None] = mapped_column(String(64))
    crm_version: Mapped[str | None] = mapped_column(String(191))
    erp_version: Mapped[str | None] = mapped_column(String(191))
    crm_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erp_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_txn_id: Mapped[str | None] = mapped_column(String(36))
    #: the side we last wrote to, for the time gate against echoes
    last_written_side: Mapped[str | None] = mapped_column(String(3))
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: synced | pending | failed | conflict | deleted (one side's record was deleted: the link is retired)
    state: Mapped[str] = mapped_column(String(10), default="synced")
    #: for pending/failed rows: the side whose record waits to be written to the other
    pending_side: Mapped[str | None] = mapped_column(String(3))
    #: a create was sent but its outcome is unknown: reconcile before any retry
    create_unknown: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: for retired links (state "deleted"): the side whose record was deleted, and when we noticed
    deleted_side: Mapped[str | None] = mapped_column(String(3))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: an update whose outcome is unknown: the side written and that record's checksum had the write
    #: landed; finding exactly this later means the change is ours, not a person's
    expected_side: Mapped[str | None] = mapped_column(String(3))
    expected_checksum: Mapped[str | None] = mapped_column(String(64))


class CursorRow(Base):
    __tablename__ = "cursors"
    __table_args__ = (UniqueConstraint("profile_id", "entity", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    side: Mapped[str] = mapped_column(String(3))
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the entity's mapping as of the last complete read of this side: a different one means the linked
    #: records are compared again under the new mapping
    mapping_fingerprint: Mapped[str | None] = mapped_column(String(64))


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_profile_entity", "profile_id", "entity", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(10))
    #: manual | scheduled | cli | webhook
    trigger: Mapped[str] = mapped_column(String(10))
    #: full | incremental | dry-run
    kind: Mapped[str] = mapped_column(String(12))
    #: running | success | partial | failed | cancelled | interrupted
    status: Mapped[str] = mapped_column(String(20), default="running")
    processed: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    conflicts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[float | None] = mapped_column(Float)
    #: the run-level error (auth, config, quota ...) when the run did not finish normally
    message: Mapped[str | None] = mapped_column(Text)
    #: the kind of that error (quota, auth, config, outage ...), as errors.SyncError.kind names it
    error_kind: Mapped[str | None] = mapped_column(String(40))
    #: the machine and process running it: a run whose process is gone is closed as interrupted
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)


class OutcomeRow(Base):
    """One record's outcome in one run: writes, conflicts and errors (skips are only counted)."""

    __tablename__ = "outcomes"
    __table_args__ = (
        Index("ix_outcomes_run", "run_id"),
        Index("ix_outcomes_signature", "profile_id", "signature"),
        Index("ix_outcomes_open", "profile_id", "entity", "resolution"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    crm_id: Mapped[str | None] = mapped_column(String(191))
    erp_id: Mapped[str | None] = mapped_column(String(191))
    #: create | update | link | conflict | failed
    action: Mapped[str] = mapped_column(String(10))
    #: the side written to (or that would have been)
    target_side: Mapped[str | None] = mapped_column(String(3))
    error_kind: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(String(64))
    #: redacted excerpt of the payload that failed
    payload_excerpt: Mapped[str | None] = mapped_column(Text)
    #: open | resolved (errors and conflicts only)
    resolution: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConflictRow(Base):
    """A conflict the `manual` policy leaves for a person: both sides' values, side by side."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("profile_id", "entity", "link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    #: both records in the CRM's field names, after mapping
    crm_values: Mapped[dict] = mapped_column(JSON)
    erp_values: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DailyStatRow(Base):
    __tablename__ = "daily_stats"
    __table_args__ = (UniqueConstraint("profile_id", "day", "entity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    entity: Mapped[str] = mapped_column(String(60))
    runs: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    failed_runs: Mapped[int] = mapped_column(default=0)


class LogRow(Base):
    __tablename__ = "log"
    __table_args__ = (Index("ix_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    level: Mapped[str] = mapped_column(String(10))
    profile_id: Mapped[int | None] = mapped_column(Integer)
    entity: Mapped[str | None] = mapped_column(String(60))
    run_id: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


# tables defined in modules of their own, imported here so that Base.metadata (Alembic, the schema test) sees them
import erpsync_gui.store.safety_models  # noqa: E402
import erpsync_gui.store.webhook_models  # noqa: E402, F401
