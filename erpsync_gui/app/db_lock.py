"""One run per (profile, entity) across machines that share one PostgreSQL state store.

The file lock of run_lock.py serializes processes on one PC; two PCs pointed at one PostgreSQL database see
different data directories, so the database itself must guard the entity: a session-level advisory lock,
held on a connection of its own for the whole run. PostgreSQL releases it when that session ends, so a
killed process or a lost machine leaves no stale lock behind.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import StoreError
from erpsync_gui.store.db import Store

log = logging.getLogger("erpsync.app")


def advisory_key(profile_id: int, entity: str) -> int:
    """The lock's 64-bit key: stable across processes and versions (a hash, not Python's `hash`)."""
    digest = hashlib.sha256(f"erpsync-run\x1f{profile_id}\x1f{entity}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def uses_advisory_locks(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


class EntityDbLock:
    """A PostgreSQL advisory lock per (profile, entity); on any other store it is always granted (the
    file lock alone guards a store that only one PC opens)."""

    def __init__(self, store: Store, profile_id: int, entity: str) -> None:
        self.store = store
        self.key = advisory_key(profile_id, entity)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when a session elsewhere holds it."""
        if not uses_advisory_locks(self.store):
            return True
        try:
            # autocommit: the lock belongs to the session, and the connection must not sit in a transaction
            conn = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            raise StoreError(f"could not reach the state database to lock the entity: {exc}") from exc
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except SQLAlchemyError as exc:
            conn.close()
            raise StoreError(f"could not lock the entity in the state database: {exc}") from exc
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except SQLAlchemyError as exc:
            # the connection is dropped, not pooled: a session that might still hold the lock must end
            log.warning("could not release the entity lock in the state database: %s", exc)
            conn.invalidate()
        conn.close()

    def is_free(self) -> bool:
        """True when no session holds the lock (checked by taking and giving it back at once)."""
        if not self.acquire():
            return False
        self.release()
        return True
