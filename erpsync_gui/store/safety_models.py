"""The safety nets' tables: each pair's last synced state (the merge base), the before-images of a run's
writes (for undo), and deletes waiting for a person's approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erpsync_gui.store.models import Base


class LinkSnapshotRow(Base):
    """A pair's mapped fields as of its last sync, as short digests per field and side: enough to tell which
    side changed a field since (the base of a three-way merge), without keeping the values themselves."""

    __tablename__ = "link_snapshots"

    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"), primary_key=True)
    #: the link's last_synced_at when the snapshot was taken: any later sync without one makes it stale
    synced_at: Mapped[str] = mapped_column(String(40))
    #: {"crm": {field: digest}, "erp": {field: digest}}
    digests: Mapped[dict] = mapped_column(JSON)


class BeforeImageRow(Base):
    """What one write of a run changed: the record's mapped fields before an update (or the fact that the run
    created it), and the checksum it had right after, so that undo can tell whether it changed since."""

    __tablename__ = "before_images"
    __table_args__ = (
        Index("ix_before_images_run", "run_id"),
        Index("ix_before_images_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    #: the side written to and its record
    side: Mapped[str] = mapped_column(String(3))
    record_id: Mapped[str] = mapped_column(String(191))
    #: update | create
    action: Mapped[str] = mapped_column(String(10))
    #: the written fields' values before the write, in that side's field names (None for a create)
    before: Mapped[dict | None] = mapped_column(JSON)
    #: the written fields' values as the write left them
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PendingDeleteRow(Base):
    """A record deleted on one side whose twin waits for a person: Approve deletes (or archives) the twin,
    Keep leaves it."""

    __tablename__ = "pending_deletes"
    __table_args__ = (Index("ix_pending_deletes_open", "profile_id", "entity", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(60))
    link_id: Mapped[int | None] = mapped_column(Integer)
    #: the side whose record was deleted, that record's id, and the twin's id on the other side
    deleted_side: Mapped[str] = mapped_column(String(3))
    deleted_id: Mapped[str] = mapped_column(String(191))
    twin_id: Mapped[str] = mapped_column(String(191))
    #: the twin's last known values (its side's field names)
    last_values: Mapped[dict | None] = mapped_column(JSON)
    #: open | approved | kept
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
