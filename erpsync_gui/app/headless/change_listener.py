"""Hears PostgreSQL's notices of saved profiles (store/change_notice.py) on a connection of its own and calls
`on_change` for each burst of them, from a thread of its own. A lost connection is opened again after
`retry_s`; the tick every minute still plans whatever was saved meanwhile."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from erpsync_gui.store.change_notice import PROFILES_CHANNEL

log = logging.getLogger("erpsync.service")


class ChangeListener:
    def __init__(self, conninfo: str, on_change: Callable[[], None], *, wait_s: float = 0.5,
                 retry_s: float = 5.0) -> None:
        self._conninfo = conninfo
        self._on_change = on_change
        self._wait_s = wait_s
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> ChangeListener:
        """Start listening; returns once the LISTEN is in place (or `timeout` passed)."""
        self._thread = threading.Thread(target=self._run, name="erpsync-profile-changes", daemon=True)
        self._thread.start()
        self._listening.wait(timeout)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._wait_s + 5)
            self._thread = None

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {PROFILES_CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        heard = list(conn.notifies(timeout=self._wait_s))
                        if heard:
                            self._call()
            except psycopg.Error as exc:
                log.warning("Notices of saved profiles are not heard (%s); trying again in %g s", exc, self._retry_s)
                self._stop.wait(self._retry_s)

    def _call(self) -> None:
        try:
            self._on_change()
        except Exception:  # a failed reload must not end the listening; the next tick plans again
            log.exception("Planning the schedule again after a profile was saved failed")
