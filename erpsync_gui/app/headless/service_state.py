"""What the service keeps between ticks and across restarts, in the state database beside the task queue's
tables: whether the schedule is paused, and each profile's schedule slot (see due.py).

A small key/value table of the service's own, created with the queue's schema (service mode only, always
PostgreSQL). Changes are made under a transaction-level advisory lock, so the tick of one process and the
reload of another never decide the same slot twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.app.headless.due import Slot
from erpsync_gui.errors import StoreError
from erpsync_gui.store.db import Store

TABLE = "erpsync_service_state"
#: the advisory lock held while the schedule's state changes ("ERPSched")
SCHEDULE_LOCK_KEY = 0x4552_5053_6368_6564
PAUSED_KEY = "paused"

CREATE = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)"""


def ensure_table(conn: Connection) -> None:
    """Create the table when missing (the caller holds the schema lock)."""
    conn.execute(text(CREATE))
    conn.commit()


def slot_key(profile_id: int) -> str:
    return f"schedule:{profile_id}"


class StateTx:
    """Reads and writes inside one locked transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> Any:
        value = self.conn.execute(text(f"SELECT value FROM {TABLE} WHERE key = :key"), {"key": key}).scalar()
        return json.loads(value) if isinstance(value, str) else value

    def put(self, key: str, value: Any) -> None:
        self.conn.execute(text(f"INSERT INTO {TABLE} (key, value, updated_at) VALUES (:key, CAST(:value AS jsonb), "
                               f"now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"),
                          {"key": key, "value": json.dumps(value)})

    def slot(self, profile_id: int) -> Slot | None:
        data = self.get(slot_key(profile_id))
        if not isinstance(data, dict):
            return None
        try:
            return Slot(str(data["signature"]), datetime.fromisoformat(data["anchor"]),
                        datetime.fromisoformat(data["next_run"]))
        except (KeyError, TypeError, ValueError):
            return None  # unreadable: the schedule is anchored anew

    def put_slot(self, profile_id: int, slot: Slot) -> None:
        self.put(slot_key(profile_id), {"signature": slot.signature, "anchor": slot.anchor.isoformat(),
                                        "next_run": slot.next_run.isoformat()})

    def slots(self) -> dict[int, Slot]:
        keys = self.conn.execute(text(f"SELECT key FROM {TABLE} WHERE key LIKE 'schedule:%'")).scalars().all()
        found: dict[int, Slot] = {}
        for key in keys:
            number = key.removeprefix("schedule:")
            slot = self.slot(int(number)) if number.isdigit() else None
            if slot is not None:
                found[int(number)] = slot
        return found

    def paused(self) -> bool:
        return bool(self.get(PAUSED_KEY))


@contextmanager
def locked(store: Store) -> Iterator[StateTx]:
    """One transaction holding the schedule's advisory lock; committed when the block ends without error."""
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEDULE_LOCK_KEY})
            yield StateTx(conn)
            conn.commit()
    except SQLAlchemyError as exc:
        raise StoreError(f"the service's schedule state cannot be used: {exc}") from exc


def set_paused(store: Store, paused: bool) -> None:
    with locked(store) as tx:
        tx.put(PAUSED_KEY, bool(paused))


def now_utc() -> datetime:
    return datetime.now(UTC)
