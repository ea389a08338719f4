"""The profile's open work (errors, conflicts, failed runs), read from the store off the GUI thread whenever
a run ends, the profile changes or a page settles something; the sidebar's badges, the tray's status line
and the dashboard's Needs attention panel all show the same figures."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from erpsync_gui.app.attention import read_open_work
from erpsync_gui.store.open_work import OpenWork
from erpsync_gui.ui.widgets.worker import run_in_background


class OpenWorkWatch(QObject):
    #: the open work of the current profile was read again (OpenWork)
    changed = Signal(object)

    def __init__(self, ctx, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.work: OpenWork | None = None
        self.profile: str | None = None
        self._loading = False
        self._again = False
        # several runs ending together read once
        self._soon = QTimer(self, singleShot=True, interval=200)
        self._soon.timeout.connect(self.refresh)
        ctx.bridge.run_finished.connect(lambda *_: self._soon.start())
        ctx.bridge.run_failed.connect(lambda *_: self._soon.start())
        ctx.profile.changed.connect(lambda _name: self.refresh())

    def refresh(self) -> None:
        """Read the open work again (in the background); `changed` follows."""
        name = self.ctx.profile.name
        if name is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        service = self.ctx.service
        run_in_background(lambda: read_open_work(service, name), owner=self,
                          on_done=lambda work: self._read(name, work), on_error=self._failed)

    def _read(self, name: str, work: OpenWork) -> None:
        self._loading = False
        if name == self.ctx.profile.name:
            self.work, self.profile = work, name
            self.changed.emit(work)
        self._repeat()

    def _failed(self, _exc: BaseException) -> None:
        self._loading = False
        self._repeat()

    def _repeat(self) -> None:
        if self._again:
            self._again = False
            self.refresh()
