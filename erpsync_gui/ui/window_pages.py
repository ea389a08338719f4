"""The main window's pages: built lazily into the stack in sidebar order (the page shown first, the rest one per
turn of the event loop), shown by index or name, refreshed when shown, and the sidebar's count badges."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from erpsync_gui.errors import ERPSyncError
from erpsync_gui.ui import icons
from erpsync_gui.ui.page_list import PAGE_ENTRIES, page_classes
from erpsync_gui.ui.widgets.sidebar import set_badge

if TYPE_CHECKING:
    from erpsync_gui.store.open_work import OpenWork

log = logging.getLogger("erpsync.ui")

#: between two pages prepared ahead of their first visit: the window answers meanwhile
PREPARE_GAP_MS = 50
#: a page is drawn ahead once no run goes; while one does, the window looks again this much later
WARM_RETRY_MS = 2_000


def page_class(title: str) -> type:
    """The page class of that sidebar title (its module imported on first use)."""
    return next(c for c, e in zip(page_classes(), PAGE_ENTRIES, strict=True) if e.title == title)


class PageStack:
    """Builds, shows and refreshes the pages of the main window (mixed into MainWindow, which owns the sidebar,
    the stack, `pages`, the "Opening…" panel and the context)."""

    if TYPE_CHECKING:
        # the rest of MainWindow (its sidebar, stack, context and status bar's health) as seen from here
        def __getattr__(self, name: str) -> Any: ...

    def _build_pages_to(self, index: int) -> None:
        """Build the pages up to `index` that are not built yet, in sidebar order (a page's index in the stack
        is its index in the sidebar)."""
        assert self.ctx is not None
        from erpsync_gui.ui.pages.connections import ConnectionsPage

        while len(self.pages) <= index:
            page = page_classes()[len(self.pages)](self.ctx)
            self.stack.insertWidget(len(self.pages), page)  # before "Opening…" while it is there
            self.pages.append(page)
            if hasattr(page, "open_page_requested"):
                page.open_page_requested.connect(self.show_page_named)
            if isinstance(page, ConnectionsPage):
                page.tested.connect(self.status_health.tested)
                page.signed_in.connect(self.status_health.signed_in)
            if len(self.pages) == len(PAGE_ENTRIES):
                self.pages_built.emit()
                QTimer.singleShot(PREPARE_GAP_MS, self, lambda: self._prepare_pages(0))

    def _prepare_pages(self, index: int) -> None:
        """Ahead of their first visit, the pages that fill many inputs read what they show and fill them, one a
        turn of the event loop: at launch, before any sync, so that a first visit while one runs only refreshes.
        Then each page is drawn once, off screen (`_warm_pages`)."""
        if self._shut_down:
            return
        if index >= len(self.pages):
            QTimer.singleShot(PREPARE_GAP_MS, self, lambda: self._warm_pages(0))
            return
        page = self.pages[index]
        if page is not self.stack.currentWidget() and hasattr(page, "prepare"):
            page.prepare()
        QTimer.singleShot(PREPARE_GAP_MS, self, lambda: self._prepare_pages(index + 1))

    def _warm_pages(self, index: int) -> None:
        """Draw each page not shown yet once, off screen, at the size the stack gives it, one a turn of the event
        loop: its first paint polishes every widget against the stylesheet, lays the page out and fills the
        font and icon caches (the Mappings page's first paint measured 13 ms of CPU, its later ones 6-10 ms), work a
        first visit during a sync would otherwise do on the GUI thread while the sync's thread competes for the
        interpreter."""
        if self._shut_down:
            return
        if index >= len(self.pages):
            QTimer.singleShot(PREPARE_GAP_MS, self, lambda: self._warm_icons(0))
            return
        if self.ctx.bridge.busy:  # drawing ahead is itself a long step: not while a run goes
            QTimer.singleShot(WARM_RETRY_MS, self, lambda: self._warm_pages(index))
            return
        page = self.pages[index]
        if page is not self.stack.currentWidget() and not page.isVisible():
            page.resize(self.stack.size())
            page.grab()
        QTimer.singleShot(PREPARE_GAP_MS, self, lambda: self._warm_pages(index + 1))

    def _warm_icons(self, index: int) -> None:
        """Render ahead, one a turn of the event loop, the icons the window shows only once something happens (a
        status dot of each level, the tray's states): each takes 5-25 ms to render at all its sizes, a stall when
        a run's first progress or its end asks for it."""
        later = [*(lambda level=level: icons.status_dot(level) for level in icons.STATUS_LEVELS),
                 *(lambda state=state: icons.tray_icon(state) for state in icons.TRAY_ICONS)]
        if self._shut_down or index >= len(later):
            return
        if self.ctx.bridge.busy:
            QTimer.singleShot(WARM_RETRY_MS, self, lambda: self._warm_icons(index))
            return
        later[index]()
        QTimer.singleShot(PREPARE_GAP_MS, self, lambda: self._warm_icons(index + 1))

    def _build_next_page(self) -> None:
        if self._shut_down or len(self.pages) >= len(PAGE_ENTRIES):
            return
        self._build_pages_to(len(self.pages))
        if len(self.pages) < len(PAGE_ENTRIES):
            QTimer.singleShot(0, self, self._build_next_page)

    def page_of(self, page_class) -> QWidget:
        if self.attached:
            self._build_pages_to(len(PAGE_ENTRIES) - 1)
        return next(p for p in self.pages if isinstance(p, page_class))

    def open_page_of(self, page_class) -> QWidget:
        """Show the page of that class and return it (the menus' commands that act on a page)."""
        page = self.page_of(page_class)
        self.show_page(self.pages.index(page))
        return page

    def show_page(self, index: int) -> None:
        if 0 <= index < len(PAGE_ENTRIES):
            self.sidebar.setCurrentRow(index)

    def show_page_named(self, name: str) -> None:
        """Open the page of that name ("errors", "conflicts", "sync" …)."""
        for index, entry in enumerate(PAGE_ENTRIES):
            if entry.title.lower() == name.lower():
                self.show_page(index)

    def show_connections(self) -> None:
        self.show_page(self.pages.index(self.page_of(page_class("Connections"))))

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _page_chosen(self, index: int) -> None:
        if index < 0:
            return
        if not self.attached:  # the store is still opening
            if self.opening is not None:
                self.opening.set_title(PAGE_ENTRIES[index].title)
            return
        self._build_pages_to(index)
        self.stack.setCurrentIndex(index)
        self._refresh(self.pages[index])

    @staticmethod
    def _refresh(page: QWidget) -> None:
        try:
            page.refresh()
        except ERPSyncError as exc:  # a page that cannot load says so; the window stays usable
            log.error("%s: %s", type(page).__name__, exc)

    # -- the sidebar -----------------------------------------------------------------------------

    def show_open_work(self, work: OpenWork) -> None:
        """Count badges on Errors (open errors and failed runs) and Conflicts (decisions waiting)."""
        from erpsync_gui.app.attention import plural

        for index, entry in enumerate(PAGE_ENTRIES):
            item = self.sidebar.item(index)
            if entry.title == "Errors":
                failed = len(work.run_failures)
                paused = sum(f.quota for f in work.run_failures)
                runs = [plural(n, word) for n, word in ((failed - paused, "failed run"), (paused, "paused run")) if n]
                what = f"open ({', '.join(runs)})" if runs else "open"
                set_badge(item, work.open_errors + failed, "error", entry.title, what, f"Ctrl+{index + 1}")
            elif entry.title == "Conflicts":
                set_badge(item, work.open_conflicts, "warn", entry.title, "waiting", f"Ctrl+{index + 1}")
        self.sidebar.viewport().update()

    def _retint(self, _scheme: str) -> None:
        """The OS turned light or dark while the app ran: the sidebar's icons take the new tint."""
        for index, entry in enumerate(PAGE_ENTRIES):
            self.sidebar.item(index).setIcon(icons.icon(entry.icon))
