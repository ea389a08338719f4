"""The main window's sync commands from the Sync menu and the keyboard: sync the entity of the page shown
(F5), sync all, cancel every run; each says in the status bar what it did."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpsync_gui.entities import label
from erpsync_gui.ui.window_pages import page_class


class SyncCommands:
    """Starts and cancels runs for the main window (mixed into MainWindow, which owns the context, the pages
    and the status bar)."""

    if TYPE_CHECKING:
        # the rest of MainWindow (a QMainWindow with its context and pages) as seen from here
        def __getattr__(self, name: str) -> Any: ...

    def current_entity(self) -> str | None:
        """The entity F5 syncs: the one the page shown is about, else the one the Sync page used last."""
        page = self.current_page()
        entity = page.current_entity() if hasattr(page, "current_entity") else None
        return entity or self.page_of(page_class("Sync")).last_entity

    def sync_current_entity(self) -> bool:
        entity = self.current_entity()
        if entity is None:
            self.statusBar().showMessage("Choose an entity first: F5 syncs the entity of the page shown", 8000)
            return False
        started = self.page_of(page_class("Sync")).start(entity)
        self.statusBar().showMessage(f"Syncing {label(entity)}…" if started else
                                     f"{label(entity)} is already syncing", 8000)
        return started

    def sync_all(self) -> bool:
        order = self.ctx.sync_all.start()
        if not order:
            self.statusBar().showMessage("Sync all is already running" if self.ctx.sync_all.running else
                                         "Nothing to sync in this profile", 8000)
            return False
        self.statusBar().showMessage(f"Syncing all: {', '.join(label(e) for e in order)}", 10_000)
        return True

    def cancel_runs(self) -> int:
        """Cancel Sync all and every run of the profile; returns how many runs were told to stop."""
        from erpsync_gui.app.attention import plural

        self.ctx.sync_all.cancel()
        count = sum(1 for key in self.ctx.runs.running() if self.ctx.runs.cancel(key.profile, key.entity))
        self.statusBar().showMessage(f"Cancelling {plural(count, 'run')} after the current batch…" if count else
                                     "No sync is running", 8000)
        return count
