"""The main window's profile switcher: filled from the configuration, kept in step with the Profiles menu and
the context's profile, remembered between starts, and the title, health and schedule following a change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpsync_gui import APP_NAME
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.ui.window_menus import fill_profiles


class ProfileSwitcher:
    """Which profile the main window shows (mixed into MainWindow, which owns the `profiles` combo box, the
    menus, the settings and the context)."""

    if TYPE_CHECKING:
        # the rest of MainWindow (a QMainWindow with its switcher, menus, settings and context) as seen from here
        def __getattr__(self, name: str) -> Any: ...

    def load_profiles(self) -> None:
        """Fill the switcher; keep the current profile, else the remembered one, else the first."""
        try:
            names = [p.name for p in self.ctx.service.config.list_profiles()]
        except ERPSyncError as exc:
            self.statusBar().showMessage(str(exc))
            names = []
        wanted = self.ctx.profile.name or self.settings.value("last_profile", "", str)
        if wanted not in names:
            wanted = names[0] if names else None
        self.profiles.blockSignals(True)
        self.profiles.clear()
        self.profiles.addItems(names)
        if wanted:
            self.profiles.setCurrentText(wanted)
        self.profiles.blockSignals(False)
        fill_profiles(self.menus, names, wanted, self.ctx.profile.select)
        if wanted:
            self.ctx.profile.select(wanted)
        self._update_title()
        self.update_health()
        self.update_next_run()

    def _profile_chosen(self, index: int) -> None:
        if index >= 0:
            self.ctx.profile.select(self.profiles.itemText(index))

    def _profile_changed(self, name: str) -> None:
        if self.profiles.currentText() != name:
            self.profiles.blockSignals(True)
            self.profiles.setCurrentText(name)
            self.profiles.blockSignals(False)
        for action in self.menus.profile_group.actions():
            action.setChecked(action.data() == name)
        self.settings.setValue("last_profile", name)
        self._update_title()
        self.update_health()
        self.update_next_run()
        page = self.current_page()
        if page is not None:
            self._refresh(page)

    def _profile_saved(self, name: str) -> None:
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "apply_profile"):
            try:
                scheduler.apply_profile(self.ctx.service.profile(name))
            except ERPSyncError as exc:
                self.statusBar().showMessage(f"Schedule not updated: {exc}", 10_000)
        self.update_health()
        self.update_next_run()

    def _update_title(self) -> None:
        name = self.ctx.profile.name
        self.setWindowTitle(f"{APP_NAME} — {name}" if name else APP_NAME)
