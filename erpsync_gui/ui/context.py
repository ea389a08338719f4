"""What every page gets: the services, the run bridge and the current profile. Passed in explicitly -
pages never reach for a global application object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.service import SyncService
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import Store
from erpsync_gui.ui.bridge import RunBridge


class ProfileState(QObject):
    """The profile the window shows; pages follow `changed`."""

    changed = Signal(str)
    #: the profile's settings were saved (pages re-read what they show)
    saved = Signal(str)

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name

    def select(self, name: str) -> None:
        if name != self.name:
            self.name = name
            self.changed.emit(name)


@dataclass
class UiContext:
    service: SyncService
    runs: RunManager
    bridge: RunBridge
    profile: ProfileState
    data_dir: Path
    #: the SyncScheduler (erpsync_gui.app.scheduler), when the app runs one
    scheduler: object | None = None
    #: the WebhookHost (erpsync_gui.app.webhooks.host) of the active profile's receiver, when the app hosts one
    webhooks: object | None = None
    _shared: dict = field(default_factory=dict, repr=False)

    @property
    def open_work(self):
        """The profile's open work as the whole window shows it (an OpenWorkWatch, made on first use)."""
        if "open_work" not in self._shared:
            from erpsync_gui.ui.open_work_watch import OpenWorkWatch

            self._shared["open_work"] = OpenWorkWatch(self)
        return self._shared["open_work"]

    @property
    def sync_all(self):
        """The one Sync all queue the Sync page, the menus and the tray share (a SyncAllQueue)."""
        if "sync_all" not in self._shared:
            from erpsync_gui.ui.sync_all import SyncAllQueue

            self._shared["sync_all"] = SyncAllQueue(self)
        return self._shared["sync_all"]

    @property
    def store(self) -> Store:
        return self.service.store

    @property
    def secrets(self) -> SecretStore:
        return self.service.secrets
