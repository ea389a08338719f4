"""The main window's pages as the sidebar names them, without importing them: the window draws its sidebar
before the state database is open, and a page module pulls in the store, the engine and QtCharts."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class PageEntry:
    """One sidebar entry: its title and icon as the page class declares them, and where that class lives."""

    title: str
    icon: str
    module: str
    name: str

    def load(self) -> type:
        """The page class (its module imported on first use)."""
        return getattr(importlib.import_module(self.module), self.name)


_PAGES = "erpsync_gui.ui.pages"

#: in sidebar order (Ctrl+1 … Ctrl+8)
PAGE_ENTRIES = (
    PageEntry("Dashboard", "dashboard", f"{_PAGES}.dashboard", "DashboardPage"),
    PageEntry("Sync", "sync", f"{_PAGES}.sync", "SyncPage"),
    PageEntry("Connections", "connections", f"{_PAGES}.connections", "ConnectionsPage"),
    PageEntry("Mappings", "mappings", f"{_PAGES}.mappings", "MappingsPage"),
    PageEntry("Logs", "logs", f"{_PAGES}.logs", "LogsPage"),
    PageEntry("Errors", "errors", f"{_PAGES}.errors", "ErrorsPage"),
    PageEntry("Conflicts", "conflicts", f"{_PAGES}.conflicts", "ConflictsPage"),
    PageEntry("Webhooks", "kind-api", f"{_PAGES}.webhooks", "WebhooksPage"),
)


@cache
def page_classes() -> tuple[type, ...]:
    """Every page class, in sidebar order."""
    return tuple(entry.load() for entry in PAGE_ENTRIES)


def page_modules() -> tuple[str, ...]:
    """The page modules, for importing them ahead of need."""
    return tuple(entry.module for entry in PAGE_ENTRIES)
