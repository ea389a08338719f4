"""The webhook event log's table: every call the receiver got, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erpsync_gui.store.models import Base

#: what became of an event
EVENT_STATUSES = ("received", "queued", "synced", "ignored", "failed")


class WebhookEventRow(Base):
    """One webhook call: when, from where, what it claimed, and what was done about it. The claim is never
    trusted: the record itself is fetched from its system when the event is synced."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_record", "profile_id", "entity", "record_id", "received_at"),
        Index("ix_webhook_events_received", "received_at"),
        Index("ix_webhook_events_status", "profile_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the caller's address
    source: Mapped[str] = mapped_column(String(64))
    #: the connector kind whose verifier read it (payamgostar, quickbooks, zoho)
    kind: Mapped[str] = mapped_column(String(40))
    #: what the caller said happened (Insert, Update, Delete, ...), or what the call was (refused, test)
    event: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(60))
    record_id: Mapped[str | None] = mapped_column(String(191))
    #: the caller's own name for the record's type (Payamgostar's Persian type name)
    subtype: Mapped[str | None] = mapped_column(String(200))
    #: received | queued | synced | ignored | failed
    status: Mapped[str] = mapped_column(String(10))
    #: what was done: "synced by run 12", "duplicate of event 40", "refused: 10.0.0.9 is not allowed" ...
    detail: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(Integer)
    #: the earlier event this one repeats (de-duplicated)
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
