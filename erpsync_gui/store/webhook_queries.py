"""Reads and writes of the webhook event log (table webhook_events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import StoreError
from erpsync_gui.store.db import Store, rows_changed
from erpsync_gui.store.webhook_models import EVENT_STATUSES, WebhookEventRow
from erpsync_gui.timeutil import aware_utc

#: statuses of an event whose sync has not happened yet
PENDING = ("received", "queued")
_DETAIL_MAX = 2000


@dataclass(frozen=True)
class WebhookEventEntry:
    id: int
    received_at: datetime
    source: str
    kind: str
    event: str
    entity: str | None
    record_id: str | None
    subtype: str | None
    status: str
    detail: str | None
    run_id: int | None
    duplicate_of: int | None

    @classmethod
    def of(cls, row: WebhookEventRow) -> WebhookEventEntry:
        return cls(row.id, aware_utc(row.received_at), row.source, row.kind, row.event, row.entity, row.record_id,
                   row.subtype, row.status, row.detail, row.run_id, row.duplicate_of)


def _fail(what: str, exc: SQLAlchemyError) -> StoreError:
    return StoreError(f"{what} failed: {getattr(exc, 'orig', None) or exc}")


def add_event(store: Store, profile_id: int, *, at: datetime, source: str, kind: str, event: str,
              status: str, entity: str | None = None, record_id: str | None = None, subtype: str | None = None,
              detail: str | None = None, duplicate_of: int | None = None) -> int:
    """Insert one event; returns its id."""
    if status not in EVENT_STATUSES:
        raise ValueError(f"unknown event status {status!r}")
    row = WebhookEventRow(profile_id=profile_id, received_at=at, source=source[:64], kind=kind[:40],
                          event=event[:40], entity=entity, record_id=record_id,
                          subtype=subtype[:200] if subtype else None,
                          status=status, detail=detail[:_DETAIL_MAX] if detail else None, duplicate_of=duplicate_of,
                          updated_at=at)
    try:
        with store.session() as session:
            session.add(row)
            session.commit()
            return row.id
    except SQLAlchemyError as exc:
        raise _fail("Recording a webhook event", exc) from exc


def twin_of(store: Store, profile_id: int, entity: str, record_id: str, *, since: datetime) -> WebhookEventEntry | None:
    """The newest earlier event for the same record that is still pending, or was synced at or after `since`."""
    stmt = (select(WebhookEventRow)
            .where(WebhookEventRow.profile_id == profile_id, WebhookEventRow.entity == entity,
                   WebhookEventRow.record_id == record_id, WebhookEventRow.duplicate_of.is_(None),
                   WebhookEventRow.status.in_((*PENDING, "synced")))
            .order_by(WebhookEventRow.received_at.desc(), WebhookEventRow.id.desc()).limit(1))
    try:
        with store.session() as session:
            row = session.scalars(stmt).first()
    except SQLAlchemyError as exc:
        raise _fail("Reading webhook events", exc) from exc
    if row is None:
        return None
    entry = WebhookEventEntry.of(row)
    if entry.status in PENDING or aware_utc(row.updated_at) >= since:
        return entry
    return None


def set_status(store: Store, ids: Sequence[int], status: str, detail: str | None, *, at: datetime,
               run_id: int | None = None) -> None:
    if status not in EVENT_STATUSES:
        raise ValueError(f"unknown event status {status!r}")
    if not ids:
        return
    values: dict[str, object] = {"status": status, "detail": (detail or None) and detail[:_DETAIL_MAX],
                                 "updated_at": at}
    if run_id is not None:
        values["run_id"] = run_id
    try:
        with store.session() as session:
            session.execute(update(WebhookEventRow).where(WebhookEventRow.id.in_(list(ids))).values(**values))
            session.commit()
    except SQLAlchemyError as exc:
        raise _fail("Updating webhook events", exc) from exc


def events(store: Store, profile_id: int, *, limit: int = 200, status: str | None = None) -> list[WebhookEventEntry]:
    """The newest events of a profile, newest first."""
    stmt = select(WebhookEventRow).where(WebhookEventRow.profile_id == profile_id)
    if status is not None:
        stmt = stmt.where(WebhookEventRow.status == status)
    stmt = stmt.order_by(WebhookEventRow.received_at.desc(), WebhookEventRow.id.desc()).limit(limit)
    try:
        with store.session() as session:
            return [WebhookEventEntry.of(r) for r in session.scalars(stmt)]
    except SQLAlchemyError as exc:
        raise _fail("Reading webhook events", exc) from exc


def pending(store: Store, profile_id: int) -> list[WebhookEventEntry]:
    """Events received or queued but not synced (a process that stopped left them): oldest first."""
    stmt = (select(WebhookEventRow)
            .where(WebhookEventRow.profile_id == profile_id, WebhookEventRow.status.in_(PENDING))
            .order_by(WebhookEventRow.received_at, WebhookEventRow.id))
    try:
        with store.session() as session:
            return [WebhookEventEntry.of(r) for r in session.scalars(stmt)]
    except SQLAlchemyError as exc:
        raise _fail("Reading webhook events", exc) from exc


def prune(store: Store, before: datetime) -> int:
    """Delete events received before `before`; returns how many."""
    try:
        with store.session() as session:
            result = session.execute(delete(WebhookEventRow).where(WebhookEventRow.received_at < before))
            session.commit()
            return rows_changed(result)
    except SQLAlchemyError as exc:
        raise _fail("Pruning webhook events", exc) from exc
