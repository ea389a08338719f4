"""The Profiles menu's commands (New, Duplicate, Rename, Delete, Import file, Export file), also behind a button
beside the profile switcher, and the welcome page's three ways on. Each ends with the switcher, the menu, the
schedule and the welcome page in step."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QInputDialog, QLineEdit, QMenu, QMessageBox, QToolButton

from erpsync_gui.app import profile_ops
from erpsync_gui.app.connectors import needed_secrets
from erpsync_gui.config.convert import ProfileFileError
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.profiles.delete_dialog import DeleteProfileDialog
from erpsync_gui.ui.welcome.welcome_page import WelcomeSwitch

log = logging.getLogger("erpsync.ui")
FILE_FILTER = "Profile files (*.toml *.json);;All files (*)"


class ProfileActions(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self.wizard = None
        #: the last message box shown (an import's problems, a refused rename)
        self.message: QMessageBox | None = None
        menu: QMenu = window.menus.profiles
        self.new_action = menu.addAction(icons.icon("add"), "&New profile…")
        self.duplicate_action = menu.addAction("&Duplicate…")
        self.rename_action = menu.addAction(icons.icon("edit"), "&Rename…")
        self.delete_action = menu.addAction(icons.icon("remove"), "De&lete…")
        menu.addSeparator()
        self.import_action = menu.addAction(icons.icon("import"), "&Import file…")
        self.export_action = menu.addAction(icons.icon("export"), "&Export file…")
        self.new_action.triggered.connect(self.new_profile)
        self.duplicate_action.triggered.connect(self.duplicate)
        self.rename_action.triggered.connect(self.rename)
        self.delete_action.triggered.connect(self.delete)
        self.import_action.triggered.connect(self.import_file)
        self.export_action.triggered.connect(self.export_file)
        self.switcher_button = QToolButton()
        self.switcher_button.setIcon(icons.icon("tools"))
        self.switcher_button.setToolTip("New, duplicate, rename, delete, import or export a profile")
        self.switcher_button.setAccessibleName("Profile commands")
        self.switcher_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.switcher_menu = QMenu(self.switcher_button)
        for action in (self.new_action, self.duplicate_action, self.rename_action, self.delete_action, None,
                       self.import_action, self.export_action):
            self.switcher_menu.addSeparator() if action is None else self.switcher_menu.addAction(action)
        self.switcher_button.setMenu(self.switcher_menu)
        self._beside_switcher(window.profiles)
        self.welcome = WelcomeSwitch(window)
        self.welcome.page.wizard_requested.connect(self.new_profile)
        self.welcome.page.demo_requested.connect(self.start_demo)
        self.welcome.page.import_requested.connect(self.import_file)
        self.ctx.profile.changed.connect(lambda _name: self.update())
        self.update()

    def _beside_switcher(self, switcher) -> None:
        layout = switcher.parentWidget().layout()
        index = layout.indexOf(switcher)
        if index < 0:
            return
        layout.removeWidget(switcher)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(switcher, 1)
        row.addWidget(self.switcher_button)
        layout.insertLayout(index, row)

    # -- keeping the window in step ------------------------------------------------------------

    def names(self) -> list[str]:
        try:
            return [p.name for p in self.ctx.service.config.list_profiles()]
        except ERPSyncError as exc:
            log.error("Reading the profiles failed: %s", exc)
            return []

    def update(self) -> None:
        names = self.names()
        current = self.ctx.profile.name if self.ctx.profile.name in names else None
        for action in (self.duplicate_action, self.rename_action, self.delete_action, self.export_action):
            action.setEnabled(current is not None)
        self.welcome.update(bool(names))

    def _reload(self, select: str | None = None) -> None:
        if select is not None:
            self.ctx.profile.select(select)
        elif self.ctx.profile.name not in self.names():
            self.ctx.profile.name = None
        self.window.load_profiles()
        self.update()

    def _problem(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.open()
        self.message = box
        return box

    # -- the commands --------------------------------------------------------------------------

    def new_profile(self):
        """The connection wizard, window-modal; on Save the new profile is shown (and synced when asked)."""
        from erpsync_gui.ui.wizard.wizard import SetupWizard

        wizard = SetupWizard(self.ctx, self.window)
        wizard.finished.connect(lambda _result, w=wizard: self._wizard_done(w))
        self.wizard = wizard
        wizard.open()
        return wizard

    def _wizard_done(self, wizard) -> None:
        profile = wizard.saved_profile
        self.wizard = None
        wizard.deleteLater()
        if profile is None:
            return
        self._reload(profile.name)
        self.ctx.profile.saved.emit(profile.name)
        self.window.statusBar().showMessage(f"Profile {profile.name} saved", 8000)
        if wizard.sync_now:
            self.window.show_page_named("dashboard")
            # the wizard's first look was the preview: its first syncs are not held for review again
            self.ctx.sync_all.start(profile.name, approved=True)

    def start_demo(self) -> None:
        """The demo profile (the sandbox ERP and the demo CRM database), as `--demo` makes it."""
        from erpsync_gui.app.demo import setup_demo

        try:
            profile = setup_demo(self.ctx.store, self.ctx.secrets, self.ctx.data_dir)
        except ERPSyncError as exc:
            self.welcome.page.show_problem(str(exc))
            return
        self._reload(profile.name)

    def _ask_name(self, title: str, label: str, suggested: str) -> str | None:
        text, ok = QInputDialog.getText(self.window, title, label, QLineEdit.EchoMode.Normal, suggested)
        return text.strip() if ok and text.strip() else None

    def duplicate(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        new = self._ask_name("Duplicate profile", f"Name of the copy of {name} (settings, mappings and secrets; "
                             "no links, no history):", f"{name} (copy)")
        if new is None:
            return
        try:
            copy = profile_ops.duplicate_profile(self.ctx.service, name, new)
        except ERPSyncError as exc:
            self._problem("Not duplicated", str(exc))
            return
        self._reload(copy.name)

    def rename(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        new = self._ask_name("Rename profile", f"New name of {name}:", name)
        if new is None or new == name:
            return
        try:
            renamed = profile_ops.rename_profile(self.ctx.service, name, new)
        except ERPSyncError as exc:
            self._problem("Not renamed", str(exc))
            return
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "remove_profile"):
            scheduler.remove_profile(name)
        self._reload(renamed.name)
        self.ctx.profile.saved.emit(renamed.name)

    def delete_dialog(self) -> DeleteProfileDialog | None:
        name = self.ctx.profile.name
        if name is None:
            return None
        profile = self.ctx.service.profile(name)
        stored = [f"{side.value.upper()} {spec.label.lower()}" for side in Side
                  for spec in needed_secrets(profile, profile.endpoint(side))
                  if self.ctx.secrets.has(name, side, spec.name)]
        return DeleteProfileDialog(name, profile_ops.footprint(self.ctx.service, name), stored,
                                   profile.schedule.enabled, self.window)

    def delete(self) -> None:
        dialog = self.delete_dialog()
        if dialog is None or dialog.exec() != DeleteProfileDialog.DialogCode.Accepted:
            return
        name = self.ctx.profile.name
        if any(key.profile == name for key in self.ctx.runs.running()):
            self._problem("Not deleted", f"{name} is syncing: cancel its runs first")
            return
        try:
            profile_ops.delete_profile(self.ctx.service, name, remove_secrets=dialog.remove_secrets.isChecked())
        except ERPSyncError as exc:
            self._problem("Not deleted", str(exc))
            return
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "remove_profile"):
            scheduler.remove_profile(name)
        others = self.names()
        self._reload(others[0] if others else None)
        self.window.statusBar().showMessage(f"Profile {name} deleted; neither system was touched", 8000)

    def import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self.window, "Import a profile file", "", FILE_FILTER)
        if not path:
            return
        try:
            profile = profile_ops.import_profile(self.ctx.service, path)
        except ProfileFileError as exc:
            text = f"{Path(path).name} was not imported; it has {len(exc.problems)} problem(s):\n\n" + \
                "\n".join(f"• {p}" for p in exc.problems)
            self._problem("Profile file not imported", text)
            self.welcome.page.show_problem(text)
            return
        except ERPSyncError as exc:
            self._problem("Profile file not imported", str(exc))
            self.welcome.page.show_problem(str(exc))
            return
        self.welcome.page.show_problem("")
        self._reload(profile.name)
        self.ctx.profile.saved.emit(profile.name)
        self.window.statusBar().showMessage(f"Profile {profile.name} imported; set its secrets on the "
                                            "Connections page", 10_000)

    def export_file(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self.window, "Export the profile", f"{name}.toml", FILE_FILTER)
        if not path:
            return
        try:
            written = profile_ops.export_profile(self.ctx.service, name, path)
        except ERPSyncError as exc:
            self._problem("Not exported", str(exc))
            return
        self.window.statusBar().showMessage(f"Profile {name} written to {written} (without its secrets)", 10_000)
