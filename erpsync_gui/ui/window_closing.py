"""Closing and quitting the main window: with a tray, closing hides it; without one, or on Quit, it asks
first while a sync runs, then stops the runs and the scheduler once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication

from erpsync_gui.ui.quit_guard import confirm_quit


class QuitAndClose:
    """The tray hookup, Quit, the close event and the shutdown of the main window (mixed into MainWindow, which
    sets `tray`, `_quitting` and `_shut_down` and owns the context and the status bar's health)."""

    if TYPE_CHECKING:
        # the rest of MainWindow (a QMainWindow with its tray, context and settings) as seen from here
        def __getattr__(self, name: str) -> Any: ...

    def set_tray(self, tray) -> None:
        """Use the tray: closing then hides the window; the tray's Quit really quits."""
        self.tray = tray
        if hasattr(tray, "quit_requested"):
            # the tray asked already while a sync ran
            tray.quit_requested.connect(lambda: self.quit_app(confirmed=True))

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self, confirmed: bool = False) -> bool:
        """Quit, after asking while a sync runs (finished batches are kept) unless that was `confirmed`; False
        when the admin keeps it running."""
        if not confirmed and self.attached and not confirm_quit(self if self.isVisible() else None, self.ctx.runs):
            return False
        self._quitting = True
        self.close()
        QApplication.quit()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if self.tray is not None and getattr(self.tray, "available", False) and not self._quitting:
            event.ignore()
            self.hide()
            self.tray.notify_hidden_once()
            return
        # without a tray, closing the window quits: it asks first while a sync runs, as Quit does
        # (before the store is open nothing runs yet)
        if not self._quitting and not self._shut_down and self.attached and not confirm_quit(self, self.ctx.runs):
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)  # QMainWindow's: MainWindow lists it after this class

    def shutdown(self) -> None:
        """Stop runs and the scheduler once; the caller closes the service and the store."""
        if self._shut_down:
            return
        self._shut_down = True
        if not self.attached:
            return
        self.status_health.stop()
        self.ctx.sync_all.cancel()
        self.ctx.runs.shutdown()
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "shutdown"):
            scheduler.shutdown()
