"""The dialogs and windows the main window's Tools and Help menus open: About, the user guide, maintenance,
the self-test and the headless service's window. Each is imported when first opened, not at launch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

if TYPE_CHECKING:
    from erpsync_gui.ui.about_dialog import AboutDialog
    from erpsync_gui.ui.help_window import HelpWindow
    from erpsync_gui.ui.maintenance_dialog import MaintenanceDialog


class ToolWindows:
    """Opens the Tools and Help menus' dialogs and windows (mixed into MainWindow, which sets `help_window`,
    `_self_test` and `service_window` and owns the context)."""

    if TYPE_CHECKING:
        # the rest of MainWindow (a QMainWindow with its context and pages) as seen from here
        def __getattr__(self, name: str) -> Any: ...

    def show_about(self) -> AboutDialog:
        """The About dialog (window-modal, closed with the window)."""
        from erpsync_gui.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self.ctx.data_dir, self.ctx.store.url, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_help(self, topic: str | None = None) -> HelpWindow:
        """The user guide at `topic`, else at the page shown (F1)."""
        from erpsync_gui.ui.help_window import HelpWindow

        if self.help_window is None:
            self.help_window = HelpWindow(self)
        page = self.current_page()
        self.help_window.show_topic(topic or getattr(page, "help_topic", None) or type(page).title.lower())
        return self.help_window

    def show_maintenance(self) -> MaintenanceDialog:
        from erpsync_gui.ui.maintenance_dialog import MaintenanceDialog
        from erpsync_gui.ui.pages.dashboard import DashboardPage

        dialog = MaintenanceDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.statistics_reset.connect(lambda: self._refresh(self.page_of(DashboardPage)))
        dialog.open()
        return dialog

    def run_self_test(self) -> None:
        """The installation's self-test in a process of its own; its report shown when it ends."""
        from erpsync_gui.ui.self_test_launcher import SelfTestLauncher

        if self._self_test is None or not self._self_test.running:
            self._self_test = SelfTestLauncher(self)
            self._self_test.start()

    def show_service(self):
        """The window of the headless service this PC connects to (erpsync_gui.ui.service_window)."""
        from erpsync_gui.ui.service_window import open_service_window

        if self.service_window is None:
            self.service_window = open_service_window(self.ctx.data_dir, self.ctx.secrets, self)
        self.service_window.show()
        self.service_window.raise_()
        return self.service_window
