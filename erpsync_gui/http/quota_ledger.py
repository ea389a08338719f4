"""Requests counted against an endpoint's hourly and daily limits, kept on disk so the count survives a restart.

A daily quota (Zoho's 50,000 credits, an ERP gateway's 10,000 calls) is spent by every process of the PC: the
tray, a scheduled `erpsync sync`, the service. Kept only in memory, each restart began at zero and a quota
"limited" to 10,000 a day could be spent several times over. The ledger is one small SQLite file in the data
directory, shared by those processes through SQLite's own locking; it counts requests per endpoint key and
minute, so a day is at most 1,440 rows per endpoint whatever the traffic. It is not the state store: it is
written once per request, and the state store may be a PostgreSQL server across the network.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "request-counts.sqlite3"
BUCKET_SECONDS = 60
#: the longest window kept (the daily limit's); older minutes are dropped as new ones are written
KEPT_SECONDS = 86400


class QuotaLedger:
    """Per-minute request counts per endpoint key, in the SQLite file at `path`. Thread-safe. A ledger that
    cannot be written (read-only folder, full disk) logs once and counts in memory only: the limits still
    hold within the process, and a sync is never stopped by its bookkeeping."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._broken = False
        self._db = self._open()

    def _open(self) -> sqlite3.Connection | None:
        try:
            db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # a power cut may lose the last few counts, never the file; no fsync per request
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS request_counts (endpoint TEXT NOT NULL, minute INTEGER NOT NULL,"
                       " requests INTEGER NOT NULL, PRIMARY KEY (endpoint, minute))")
            return db
        except sqlite3.Error as exc:
            self._give_up(exc)
            return None

    def _give_up(self, exc: sqlite3.Error) -> None:
        if not self._broken:
            log.warning("Request counts for rate limits cannot be kept in %s (%s); they are counted in memory "
                        "until the app restarts", self.path, exc)
        self._broken = True

    def recent(self, endpoint: str) -> list[tuple[float, int]]:
        """(minute start, requests) of the last day for `endpoint`, oldest first."""
        with self._lock:
            if self._db is None:
                return []
            since = int(self._clock() - KEPT_SECONDS) // BUCKET_SECONDS
            try:
                rows = self._db.execute("SELECT minute, requests FROM request_counts WHERE endpoint = ? AND "
                                        "minute >= ? ORDER BY minute", (endpoint, since)).fetchall()
            except sqlite3.Error as exc:
                self._give_up(exc)
                return []
            return [(float(minute * BUCKET_SECONDS), int(requests)) for minute, requests in rows]

    def add(self, endpoint: str, at: float) -> None:
        """Count one request to `endpoint` made at `at` (epoch seconds)."""
        with self._lock:
            if self._db is None:
                return
            minute = int(at) // BUCKET_SECONDS
            try:
                self._db.execute("INSERT INTO request_counts (endpoint, minute, requests) VALUES (?, ?, 1) "
                                 "ON CONFLICT (endpoint, minute) DO UPDATE SET requests = requests + 1",
                                 (endpoint, minute))
                if minute % 60 == 0:  # once an hour or so: drop what no window reaches any more
                    self._db.execute("DELETE FROM request_counts WHERE minute < ?",
                                     (minute - KEPT_SECONDS // BUCKET_SECONDS - 1,))
            except sqlite3.Error as exc:
                self._give_up(exc)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def ledger_in(data_dir: Path) -> QuotaLedger:
    """The ledger file of a data directory."""
    return QuotaLedger(Path(data_dir) / FILE_NAME)
