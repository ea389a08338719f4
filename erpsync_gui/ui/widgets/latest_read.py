"""A page's data read off the GUI thread, the newest read winning: a page shown while a sync writes the store must
not wait for the store on the GUI thread, and a page shown twice in a row must not read (or draw) twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from erpsync_gui.ui.widgets.worker import run_in_background


class LatestRead:
    """One read at a time on a pool thread, its answer handed to `on_done` on the GUI thread (or its exception to
    `on_error`). Asked again while one runs, it reads once more when that one ends and hands over only the newer
    answer: what is shown is never older than the last request."""

    def __init__(self, owner: QObject, on_done: Callable[[Any], None],
                 on_error: Callable[[BaseException], None]) -> None:
        self._owner = owner
        self._on_done = on_done
        self._on_error = on_error
        self._busy = False
        self._next: Callable[[], Any] | None = None

    @property
    def busy(self) -> bool:
        """Whether a read is on its way."""
        return self._busy

    def start(self, read: Callable[[], Any]) -> None:
        """Run `read()` on a pool thread now, or after the read on its way."""
        if self._busy:
            self._next = read
            return
        self._busy = True
        run_in_background(read, owner=self._owner, on_done=self._done, on_error=self._failed)

    def _again(self) -> bool:
        """Start the read asked for meanwhile, if any (its answer supersedes the one just in)."""
        self._busy = False
        read, self._next = self._next, None
        if read is None:
            return False
        self.start(read)
        return True

    def _done(self, value: Any) -> None:
        if not self._again():
            self._on_done(value)

    def _failed(self, exc: BaseException) -> None:
        if not self._again():
            self._on_error(exc)
