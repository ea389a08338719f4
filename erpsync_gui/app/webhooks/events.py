"""The event log of the receiver: every call, refused or not, and what became of each event it carried.

De-duplication: an event for a record that still waits to sync is merged into that wait; one for a record
synced less than `dedupe_window_s` ago (a replay, or the same call delivered twice) is logged as a
duplicate and not synced again. A real second edit in that window is left to the poll, which reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from erpsync_gui.app.webhooks.verify import WebhookEvent
from erpsync_gui.store import webhook_queries as queries
from erpsync_gui.store.db import Store


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Logged:
    id: int
    status: str
    detail: str | None = None
    duplicate_of: int | None = None


class EventLog:
    """Writes one profile's webhook events to the state store."""

    def __init__(self, store: Store, profile_id: int, *, kind: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.profile_id = profile_id
        self.kind = kind
        self.clock = clock

    def refused(self, source: str, reason: str) -> Logged:
        detail = f"refused: {reason}"
        event_id = queries.add_event(self.store, self.profile_id, at=self.clock(), source=source, kind=self.kind,
                                     event="refused", status="ignored", detail=detail)
        return Logged(event_id, "ignored", detail)

    def received(self, source: str, event: WebhookEvent, entity: str | None, *, dedupe_window_s: float) -> Logged:
        """Log one event: ignored (a test, a type nothing syncs, a duplicate) or received, to be queued."""
        now = self.clock()
        base = {"at": now, "source": source, "kind": self.kind, "event": event.event, "entity": entity,
                "record_id": event.record_id, "subtype": event.subtype}
        if event.test:
            detail = "a test event: received and verified; nothing is synced"
            return Logged(queries.add_event(self.store, self.profile_id, status="ignored", detail=detail, **base),
                          "ignored", detail)
        if entity is None:
            detail = f"no entity syncs records of type {event.type!r}"
            return Logged(queries.add_event(self.store, self.profile_id, status="ignored", detail=detail, **base),
                          "ignored", detail)
        twin = queries.twin_of(self.store, self.profile_id, entity, event.record_id,
                               since=now - timedelta(seconds=dedupe_window_s))
        if twin is not None:
            when = "still waiting to sync" if twin.status in queries.PENDING else "synced moments ago"
            detail = f"duplicate of event {twin.id} ({when})"
            event_id = queries.add_event(self.store, self.profile_id, status="ignored", detail=detail,
                                         duplicate_of=twin.id, **base)
            return Logged(event_id, "ignored", detail, twin.id)
        return Logged(queries.add_event(self.store, self.profile_id, status="received", **base), "received")

    def mark(self, ids: Sequence[int], status: str, detail: str | None, run_id: int | None = None) -> None:
        queries.set_status(self.store, ids, status, detail, at=self.clock(), run_id=run_id)

    def pending(self) -> list[queries.WebhookEventEntry]:
        return queries.pending(self.store, self.profile_id)
