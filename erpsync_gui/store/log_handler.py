"""Log lines into the state database (the GUI's log viewer and `erpsync logs` read them back).

`StoreLogHandler` buffers records and writes them in one transaction every `flush_every` records or
`flush_interval` seconds (and on close), so a run of 100,000 records does not commit per line. Every
message is redacted with the known secret values before it is stored. `profile_id`, `entity` and `run_id`
come from `extra`: ``log.info("...", extra={"profile_id": 1, "entity": "clients", "run_id": 7})``.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import StoreError
from erpsync_gui.http.redact import redact_text
from erpsync_gui.store.db import Store
from erpsync_gui.store.models import LogRow
from erpsync_gui.timeutil import aware_utc

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_MAX_MESSAGE = 20_000


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _as_text(value: Any, length: int) -> str | None:
    return None if value is None else str(value)[:length]


class StoreLogHandler(logging.Handler):
    """A logging handler that writes redacted LogRow rows in buffered batches."""

    def __init__(
        self,
        store: Store,
        *,
        secrets: Callable[[], Iterable[str]] | Iterable[str] = (),
        level: int = logging.INFO,
        flush_every: int = 500,
        flush_interval: float = 1.0,
        max_buffer: int = 50_000,
    ) -> None:
        super().__init__(level)
        self.store = store
        #: a callable (e.g. SecretStore.known_secret_values) is asked anew for every record
        self._secrets = secrets if callable(secrets) else tuple(secrets)
        self._extra_secrets: set[str] = set()
        self.flush_every = max(1, flush_every)
        self.flush_interval = flush_interval
        self.max_buffer = max(self.flush_every, max_buffer)
        self._buffer: list[dict[str, Any]] = []
        self._buffer_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writing = threading.local()
        self._wake = threading.Event()
        self._closed = False
        self._timer: threading.Thread | None = None
        self._dropped = 0

    def add_secret(self, value: str) -> None:
        """Also blank this value out of every later message."""
        if value:
            self._extra_secrets.add(value)

    def _known_secrets(self) -> tuple[str, ...]:
        found = self._secrets() if callable(self._secrets) else self._secrets
        return (*found, *self._extra_secrets)

    def emit(self, record: logging.LogRecord) -> None:
        # SQLAlchemy may log while we write; those lines must not re-enter the handler
        if getattr(self._writing, "active", False) or self._closed:
            return
        try:
            message = redact_text(self.format(record), self._known_secrets())[:_MAX_MESSAGE]
            row = {
                "created_at": datetime.fromtimestamp(record.created, UTC),
                "level": record.levelname[:10],
                "message": message,
                "profile_id": _as_int(getattr(record, "profile_id", None)),
                "entity": _as_text(getattr(record, "entity", None), 60),
                "run_id": _as_int(getattr(record, "run_id", None)),
            }
        except Exception:
            self.handleError(record)
            return
        with self._buffer_lock:
            self._buffer.append(row)
            full = len(self._buffer) >= self.flush_every
        if full:
            self.flush()
        else:
            self._ensure_timer()

    def _ensure_timer(self) -> None:
        if self._timer is None and not self._closed:
            with self._buffer_lock:
                if self._timer is None:
                    self._timer = threading.Thread(target=self._run_timer, name="log-flush", daemon=True)
                    self._timer.start()

    def _run_timer(self) -> None:
        while not self._closed:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._buffer:
                self.flush()

    def flush(self) -> None:
        """Write every buffered record now, in one transaction."""
        with self._write_lock:
            with self._buffer_lock:
                rows, self._buffer = self._buffer, []
            if not rows:
                return
            self._writing.active = True
            try:
                with self.store.engine.begin() as conn:
                    conn.execute(insert(LogRow), rows)
            except SQLAlchemyError as exc:
                self._keep_for_retry(rows, exc)
            finally:
                self._writing.active = False

    def _keep_for_retry(self, rows: list[dict[str, Any]], exc: Exception) -> None:
        """Put unwritten rows back (the database may be busy); beyond max_buffer the oldest are dropped."""
        with self._buffer_lock:
            self._buffer[:0] = rows
            overflow = len(self._buffer) - self.max_buffer
            if overflow > 0:
                del self._buffer[:overflow]
                self._dropped += overflow
        print(f"ERPSync: cannot write log lines to the state database ({type(exc).__name__}); "
              f"{len(self._buffer)} kept for retry, {self._dropped} dropped", file=sys.stderr)

    def cleanup(self, older_than_days: int) -> int:
        """Delete log lines older than `older_than_days`; returns how many went."""
        from erpsync_gui.store.queries import cleanup_logs

        self.flush()
        return cleanup_logs(self.store, older_than_days)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        timer = self._timer
        if timer is not None and timer is not threading.current_thread():
            timer.join(timeout=5)
        self.flush()
        super().close()


@dataclass(frozen=True)
class LogEntry:
    id: int
    created_at: datetime
    level: str
    profile_id: int | None
    entity: str | None
    run_id: int | None
    message: str




def query_log(
    store: Store,
    *,
    level: str | None = None,
    entity: str | None = None,
    run_id: int | None = None,
    text: str | None = None,
    after_id: int | None = None,
    limit: int = 1000,
    profile_id: int | None = None,
) -> list[LogEntry]:
    """Log lines, oldest first. `level` is a minimum ("WARNING" also gives ERROR); `text` matches
    case-insensitively. With `after_id` the lines after it (to follow a growing log); without it
    the newest `limit` lines."""
    stmt = select(LogRow)
    if level is not None:
        wanted = level.upper()
        if wanted not in LEVELS:
            raise StoreError(f"Unknown log level {level!r}", hint=f"use one of {', '.join(LEVELS)}")
        stmt = stmt.where(LogRow.level.in_(LEVELS[LEVELS.index(wanted):]))
    if entity is not None:
        stmt = stmt.where(LogRow.entity == entity)
    if run_id is not None:
        stmt = stmt.where(LogRow.run_id == run_id)
    if profile_id is not None:
        stmt = stmt.where(LogRow.profile_id == profile_id)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(LogRow.message.ilike(f"%{escaped}%", escape="\\"))
    if after_id is not None:
        stmt = stmt.where(LogRow.id > after_id).order_by(LogRow.id).limit(limit)
    else:
        stmt = stmt.order_by(LogRow.id.desc()).limit(limit)
    try:
        with store.session() as session:
            rows = session.scalars(stmt).all()
    except SQLAlchemyError as exc:
        raise StoreError(f"Reading the log failed: {exc}") from exc
    entries = [
        LogEntry(r.id, aware_utc(r.created_at), r.level, r.profile_id, r.entity, r.run_id, r.message)
        for r in rows
    ]
    return entries if after_id is not None else entries[::-1]
