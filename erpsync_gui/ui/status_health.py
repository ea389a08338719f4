"""The main window's status bar: each side's health (this session's last connection test, else the status the
last test or run stored: a run that cannot reach a side turns it red), a notice while a sign-in has expired,
and the next scheduled run."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QStatusBar

from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.pages.expired_banner import expired_text
from erpsync_gui.ui.when import tested_text, when_text
from erpsync_gui.ui.widgets.status_badge import StatusBadge
from erpsync_gui.ui.widgets.worker import run_in_background

if TYPE_CHECKING:
    from erpsync_gui.store.config_repo import EndpointStatus

log = logging.getLogger("erpsync.ui")

_HEALTH = {"active": ("ok", "connected"), "expired": ("warn", "sign-in expired"), "error": ("error", "error")}


class StatusHealth(QObject):
    """Fills the status bar it is given; `update()` reads the stored health again."""

    #: the expired-sign-in notice was clicked: open Connections
    sign_in_wanted = Signal()
    # scheduler callbacks come on any thread; this carries them to the GUI thread
    _next_runs_changed = Signal()

    def __init__(self, ctx, status: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._status = status
        #: this session's connection tests, per profile and side (the latency only a test measures)
        self.last_tests: dict[str, dict[Side, object]] = {}
        self.badges = {side: StatusBadge(f"{side.value.upper()}: -", "idle") for side in Side}
        self.next_run = StatusBadge("Next run: -", "idle")
        self.expired_notice = QPushButton(icons.status_dot("warn"), "")
        self.expired_notice.setObjectName("expiredNotice")
        self.expired_notice.setFlat(True)
        self.expired_notice.setToolTip("Open Connections to sign in again")
        self.expired_notice.clicked.connect(self.sign_in_wanted)
        self.expired_notice.hide()
        status.setSizeGripEnabled(True)
        status.addWidget(self.expired_notice)
        for badge in (*self.badges.values(), self.next_run):
            badge.setContentsMargins(8, 0, 8, 0)
            status.addPermanentWidget(badge)
        self._next_runs_changed.connect(self.update_next_run)
        scheduler = ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "listeners_changed"):
            scheduler.listeners_changed.append(self._next_runs_changed.emit)
        self.clock = QTimer(self, interval=30_000)
        self.clock.timeout.connect(self.update_next_run)
        self.clock.start()

    # -- what changes the health ---------------------------------------------------------------
    def tested(self, name: str, results: dict) -> None:
        self.last_tests[name] = results
        self.update()

    def signed_in(self, name: str, side: Side) -> None:
        self.last_tests.get(name, {}).pop(side, None)  # the stored status says "active" now
        self.update()

    def run_ended(self, profile: str) -> None:
        # a run speaks for each side's health now: the stored status it left replaces the last test's. Read on a
        # pool thread: another run may be writing the store, and the window must not wait for it meanwhile
        self.last_tests.pop(profile, None)
        name = self.ctx.profile.name
        if name is not None:
            run_in_background(lambda: self._read(name), owner=self, on_done=lambda stored: self._show(name, stored),
                              on_error=self._unreadable)

    # -- showing it ----------------------------------------------------------------------------
    def update(self) -> None:
        """Each side's state: this session's last test, else the status stored by the last test or run."""
        name = self.ctx.profile.name
        if name is None:
            return
        try:
            stored = self._read(name)
        except ERPSyncError as exc:
            self._unreadable(exc)
            return
        self._show(name, stored)

    def _read(self, name: str) -> dict[Side, EndpointStatus]:
        profile = self.ctx.service.profile(name)
        return self.ctx.service.config.endpoint_status(profile.id)

    def _unreadable(self, exc: BaseException) -> None:
        self._status.showMessage(str(exc))

    def _show(self, name: str, stored: dict[Side, EndpointStatus]) -> None:
        if name != self.ctx.profile.name:  # another profile was chosen while its health was read
            return
        self._show_expired([side for side, status in stored.items() if status.status == "expired"])
        tested = self.last_tests.get(name, {})
        for side, badge in self.badges.items():
            text = side.value.upper()
            result = tested.get(side)
            status = stored.get(side)
            # the time of the last test rides in the tooltip: the bar has no room for it beside both sides
            when = tested_text(status.tested_at if status is not None else None).capitalize()
            if result is not None:
                level = "ok" if result.ok else ("warn" if result.reachable else "error")
                word = "connected" if result.ok else ("not signed in" if result.reachable else "unreachable")
                latency = f", {result.latency_ms:.0f} ms" if result.ok and result.latency_ms is not None else ""
                badge.set_status(level, f"{text}: {word}{latency}", f"{when}: {result.message}")
                continue
            if status is None or (status.status == "active" and not status.message and status.tested_at is None):
                badge.set_status("idle", f"{text}: not tested", "Test it on the Connections page")
            else:
                level, word = _HEALTH.get(status.status, ("error", status.status))
                badge.set_status(level, f"{text}: {word}", f"{when}: {status.message}" if status.message else when)

    def _show_expired(self, sides: list[Side]) -> None:
        """A warning that leads to the Connections page while a sign-in has expired."""
        text = expired_text(sides)
        self.expired_notice.setText(text)
        self.expired_notice.setVisible(bool(text))

    def update_next_run(self) -> None:
        scheduler, name = self.ctx.scheduler, self.ctx.profile.name
        if scheduler is None or name is None or not hasattr(scheduler, "next_run"):
            self.next_run.set_status("idle", "Next run: no scheduler")
            return
        try:
            moment = scheduler.next_run(name)
        except Exception as exc:  # the status bar must not break on a scheduler hiccup
            log.warning("next run of %s unknown: %s", name, exc)
            moment = None
        paused = bool(getattr(scheduler, "paused", False))
        text = "Next run: paused" if paused else f"Next run: {when_text(moment)}"
        self.next_run.set_status("warn" if paused else ("busy" if moment else "idle"), text)

    def stop(self) -> None:
        self.clock.stop()
