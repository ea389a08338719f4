"""The tray icon: shows idle / running / error and, in its tooltip and at the top of its menu, a status line
from the store ("3 conflicts wait · last run 08:00 partial"); offers Open, Sync now (per entity), Sync all,
Cancel running sync, Pause/Resume schedule, Start at login and Quit (which asks first while a sync runs), and
tells the user when a scheduled run fails or leaves conflicts. Copes with desktops that have no tray."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon, QWidget

from erpsync_gui import APP_NAME
from erpsync_gui.app import autostart
from erpsync_gui.app.attention import status_line
from erpsync_gui.app.service import EntityBusyError
from erpsync_gui.entities import label
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.store.open_work import OpenWork
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.quit_guard import confirm_quit

log = logging.getLogger("erpsync.ui")

SETTINGS_FILE = "gui.ini"
HIDDEN_NOTICE_KEY = "tray/hidden_notice_shown"
SCHEDULED = "scheduled"
_FALLBACK_ICONS = {
    "idle": QStyle.StandardPixmap.SP_DriveNetIcon,
    "running": QStyle.StandardPixmap.SP_BrowserReload,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}


def state_icon(state: str) -> QIcon:
    """The drawn tray icon of a state, or a standard icon when the drawings are not there."""
    try:
        from erpsync_gui.ui import icons

        result = icons.tray_icon(state)
        if not result.isNull():
            return result
    except (ImportError, FileNotFoundError, KeyError):
        pass
    return QApplication.style().standardIcon(_FALLBACK_ICONS[state])


class TrayController(QObject):
    """Owns the QSystemTrayIcon and its menu. Without a system tray `available` is False and the window's
    close should quit the app instead of hiding it."""

    quit_requested = Signal()
    #: the state shown changed: "idle", "running" or "error"
    state_changed = Signal(str)
    # the scheduler and the run manager call back on their own threads; these carry it to the GUI thread
    _schedule_changed = Signal(bool, object)  # paused, next run (datetime | None)
    _run_failed = Signal(str, str, object)  # profile, entity, ERPSyncError

    def __init__(self, ctx: UiContext, window: QWidget, scheduler=None) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.scheduler = scheduler
        self.state = "idle"
        #: (title, message) of every notification shown, newest last
        self.notifications: list[tuple[str, str]] = []
        #: runs going on (started before the tray, or announced by run_started since), with their trigger
        self._triggers: dict[tuple[str, str], str] = {(k.profile, k.entity): "manual" for k in ctx.runs.running()}
        self._failed: set[tuple[str, str]] = set()
        self._paused = bool(scheduler.paused) if scheduler is not None else False
        self._next_run: datetime | None = None
        self._work: OpenWork | None = ctx.open_work.work
        self._settings = QSettings(str(ctx.data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)

        self.icon = QSystemTrayIcon(state_icon("idle"), self)
        self.menu = QMenu(window)
        #: what waits and how the last run ended, at the top of the menu (not a command)
        self.status_action = self.menu.addAction(status_line(self._work))
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.open_action = self.menu.addAction("&Open")
        self.open_action.triggered.connect(self.show_window)
        self.sync_menu = self.menu.addMenu("&Sync now")
        self.sync_all_action = self.menu.addAction("Sync &all")
        self.sync_all_action.setToolTip("Every enabled entity, one after another in dependency order")
        self.sync_all_action.triggered.connect(self.sync_all)
        self.cancel_action = self.menu.addAction("&Cancel running sync")
        self.cancel_action.setToolTip("Stop after the current batch; finished batches are kept")
        self.cancel_action.triggered.connect(self.cancel_running)
        self.cancel_action.setEnabled(bool(self._triggers))
        self.menu.addSeparator()
        self.pause_action = self.menu.addAction("Pause schedule")
        self.pause_action.triggered.connect(self.toggle_pause)
        self.pause_action.setEnabled(scheduler is not None)
        self.autostart_action = self.menu.addAction("Start at login")
        self.autostart_action.setCheckable(True)
        self.autostart_action.setToolTip(f"Start {APP_NAME} when I log in")
        self.autostart_action.toggled.connect(self.set_autostart)
        self.menu.aboutToShow.connect(self.refresh_autostart)
        self.refresh_autostart()
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("&Quit")
        self.quit_action.triggered.connect(self.request_quit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self.open_notified)
        #: the page a click on the last notification opens ("sync" for a held run, "errors" for a failure)
        self._notified_page: str | None = None

        bridge = ctx.bridge
        bridge.run_started.connect(self._run_started)
        bridge.run_finished.connect(self._run_finished)
        self._run_failed.connect(self._show_failure)
        self._failed_hook = lambda key, exc: self._run_failed.emit(key.profile, key.entity, exc)
        ctx.runs.listeners.failed.append(self._failed_hook)
        ctx.profile.changed.connect(self.rebuild_sync_menu)
        ctx.profile.saved.connect(self.rebuild_sync_menu)
        ctx.open_work.changed.connect(self._show_work)
        ctx.sync_all.progressed.connect(self._sync_all_moved)
        ctx.open_work.refresh()
        if scheduler is not None:
            self._schedule_changed.connect(self._show_schedule)
            scheduler.listeners_changed.append(self._scheduler_changed)
            self._scheduler_changed()
        self.rebuild_sync_menu()
        self._show_state()
        if self.available:
            self.icon.show()
        else:
            log.info("No system tray on this desktop: closing the window quits %s", APP_NAME)

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def close(self) -> None:
        """Hide the icon and stop listening (before the app quits)."""
        self.icon.hide()
        if self._failed_hook in self.ctx.runs.listeners.failed:
            self.ctx.runs.listeners.failed.remove(self._failed_hook)
        if self.scheduler is not None and self._scheduler_changed in self.scheduler.listeners_changed:
            self.scheduler.listeners_changed.remove(self._scheduler_changed)

    # -- menu ------------------------------------------------------------------------------------
    def menu_texts(self) -> list[str]:
        """The menu's entries as shown, without their access-key ampersands."""
        return [a.text().replace("&", "") for a in self.menu.actions() if a.text()]

    def rebuild_sync_menu(self, *_args: object) -> None:
        """One Sync now entry per enabled entity of the current profile, by its label ("Product groups")."""
        self.sync_menu.clear()
        name = self.ctx.profile.name
        try:
            entities = [cfg.entity for cfg in self.ctx.service.profile(name).entities if cfg.enabled]
        except ERPSyncError as exc:
            entities = []
            log.warning("The tray menu cannot list the entities of profile %r: %s", name, exc)
        for entity in entities:
            action = self.sync_menu.addAction(label(entity))
            action.setData(entity)
            action.setObjectName(f"tray-sync-{entity}")
            action.triggered.connect(lambda _checked=False, e=entity: self.sync_now(e))
        self.sync_menu.setEnabled(bool(entities))

    def sync_actions(self) -> list[QAction]:
        return list(self.sync_menu.actions())

    def sync_now(self, entity: str) -> bool:
        profile = self.ctx.profile.name
        if profile is None:
            return False
        if not self.ctx.runs.start(profile, entity, trigger="manual"):
            self._notify(f"{label(entity)} is already syncing", "Its run has to finish first.",
                         QSystemTrayIcon.MessageIcon.Information)
            return False
        return True

    def sync_all(self) -> bool:
        """Every enabled entity of the profile, one after another in dependency order."""
        if not self.ctx.sync_all.start():
            self._notify("Sync all is already running" if self.ctx.sync_all.running else "Nothing to sync",
                         "Cancel it from this menu to start again." if self.ctx.sync_all.running else
                         "No entity of this profile is enabled.", QSystemTrayIcon.MessageIcon.Information)
            return False
        return True

    def cancel_running(self) -> int:
        """Stop Sync all and every run going on after its current batch; returns how many runs were told."""
        self.ctx.sync_all.cancel()
        return sum(1 for key in self.ctx.runs.running() if self.ctx.runs.cancel(key.profile, key.entity))

    def request_quit(self) -> bool:
        """Quit, after asking while a sync runs (the finished batches are kept); False when the admin stays."""
        parent = self.window if self.window.isVisible() else None
        if not confirm_quit(parent, self.ctx.runs):
            return False
        self.quit_requested.emit()
        return True

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    # -- schedule --------------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        """Pause or resume the schedule; the job store is written off the GUI thread."""
        if self.scheduler is None:
            return
        work = self.scheduler.resume if self._paused else self.scheduler.pause
        self.pause_action.setEnabled(False)
        threading.Thread(target=work, name="erpsync-pause", daemon=True).start()

    def _scheduler_changed(self) -> None:
        # any thread: read what the menu and tooltip need here, show it on the GUI thread
        profile = self.ctx.profile.name
        try:
            next_run = self.scheduler.next_run(profile) if profile else None
        except Exception:  # the job store unreachable: show no next run rather than fail a scheduler thread
            log.exception("Reading the next scheduled run failed")
            next_run = None
        self._schedule_changed.emit(self.scheduler.paused, next_run)

    def _show_schedule(self, paused: bool, next_run: datetime | None) -> None:
        self._paused, self._next_run = paused, next_run
        self.pause_action.setText("Resume schedule" if paused else "Pause schedule")
        self.pause_action.setEnabled(True)
        self._show_state()

    # -- start at login ----------------------------------------------------------------------------
    def refresh_autostart(self) -> None:
        """Show whether start at login is on (the Sync page may have changed it)."""
        self.autostart_action.blockSignals(True)
        self.autostart_action.setChecked(autostart.is_enabled())
        self.autostart_action.blockSignals(False)

    def set_autostart(self, on: bool) -> None:
        try:
            autostart.enable() if on else autostart.disable()
        except ERPSyncError as exc:
            self._notify("Start at login not changed", str(exc), QSystemTrayIcon.MessageIcon.Warning)
        self.refresh_autostart()

    # -- runs ------------------------------------------------------------------------------------
    def _run_started(self, profile: str, entity: str, trigger: str) -> None:
        self._triggers[(profile, entity)] = trigger
        self._show_state()

    def _run_finished(self, profile: str, entity: str, result) -> None:
        key = (profile, entity)
        trigger = self._triggers.pop(key, "manual")
        conflicts = result.counts.get("conflicts", 0)
        if result.status == "failed":
            self._failed.add(key)
            if trigger == SCHEDULED:
                self._notify(f"Scheduled sync of {label(entity)} failed", result.message or "See the Errors page.",
                             QSystemTrayIcon.MessageIcon.Critical, page="errors")
        elif result.status == "held":
            self._failed.discard(key)
            if trigger == SCHEDULED:  # it waits for a person: a scheduled run never applies a held run itself
                why = result.brake.message if result.brake is not None and result.brake.message else result.message
                self._notify(f"Scheduled sync of {label(entity)} is held for review",
                             f"{why or 'Nothing was written.'} Click to review it on the Sync page.",
                             QSystemTrayIcon.MessageIcon.Warning, page="sync")
        else:
            self._failed.discard(key)
            if trigger == SCHEDULED and conflicts:
                self._notify(f"Scheduled sync of {label(entity)} left {conflicts} conflict{'s' * (conflicts != 1)}",
                             "Decide them on the Conflicts page.", QSystemTrayIcon.MessageIcon.Warning,
                             page="conflicts")
        self._show_state()

    def _show_failure(self, profile: str, entity: str, exc: ERPSyncError) -> None:
        key = (profile, entity)
        trigger = self._triggers.pop(key, "manual")
        if isinstance(exc, EntityBusyError):  # not a failure: the scheduler says in the log that it skipped
            self._show_state()
            return
        self._failed.add(key)
        if trigger == SCHEDULED:
            self._notify(f"Scheduled sync of {label(entity)} could not start", str(exc),
                         QSystemTrayIcon.MessageIcon.Critical, page="errors")
        self._show_state()

    def _sync_all_moved(self, *_args: object) -> None:
        self._show_state()

    def _show_work(self, work: OpenWork) -> None:
        self._work = work
        self._show_state()

    def status_text(self) -> str:
        """The status line of the tooltip and the menu: what waits (from the store) and the last run."""
        return status_line(self._work)

    def _show_state(self) -> None:
        # the run signals say what runs; the store says what waits: open errors or a failed run show the error icon
        work = self._work
        waiting = work is not None and (work.run_failures or work.open_errors)
        state = "running" if self._triggers else ("error" if self._failed or waiting else "idle")
        lines = [APP_NAME]
        if self._triggers:
            names = ", ".join(label(entity) for _profile, entity in self._triggers)
            lines.append(f"Syncing {names}…")
        elif self._failed:
            lines.append("The last run failed")
        lines.append(self.status_text())
        if self._paused:
            lines.append("Schedule paused")
        elif self._next_run is not None:
            lines.append(f"Next run {self._next_run.astimezone():%a %H:%M}")
        self.icon.setToolTip("\n".join(lines))
        self.status_action.setText(self.status_text())
        self.cancel_action.setEnabled(bool(self._triggers) or self.ctx.sync_all.running)
        if state != self.state:
            self.state = state
            self.icon.setIcon(state_icon(state))
            self.state_changed.emit(state)

    # -- notices ---------------------------------------------------------------------------------
    def _notify(self, title: str, message: str, kind: QSystemTrayIcon.MessageIcon, page: str | None = None) -> None:
        self.notifications.append((title, message))
        self._notified_page = page
        if self.available and self.icon.isVisible():
            self.icon.showMessage(f"{APP_NAME}: {title}", message, kind, 10_000)
        else:
            log.info("%s: %s", title, message)

    def open_notified(self) -> None:
        """A click on the notification: the window, on the page that lets the admin act on it."""
        self.show_window()
        show_page = getattr(self.window, "show_page_named", None)
        if self._notified_page is not None and show_page is not None:
            show_page(self._notified_page)

    def notify_hidden_once(self) -> bool:
        """The first time the window closes to the tray, say that the app keeps running there; True if shown."""
        if not self.available or self._settings.value(HIDDEN_NOTICE_KEY, False, type=bool):
            return False
        self._notify("still running in the tray", "Scheduled syncs go on. Right-click the icon to quit.",
                     QSystemTrayIcon.MessageIcon.Information)
        self._settings.setValue(HIDDEN_NOTICE_KEY, True)
        self._settings.sync()
        return True
