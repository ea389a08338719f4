"""Lookup fields' ids across the two systems: a contact's client id on one side becomes the linked id on the
other, read from the links once per run and then cached."""

from __future__ import annotations

from erpsync_gui.records import Side
from erpsync_gui.store.sync_state import SyncState


class LinkResolver:
    """Lookup fields: translates ids of already-synced records (clients for contacts, ...)."""

    def __init__(self, state: SyncState) -> None:
        self.state = state
        self._cache: dict[tuple[str, Side, str], str | None] = {}

    def resolve(self, entity: str, from_side: Side, source_id: str) -> str | None:
        key = (entity, from_side, str(source_id))
        if key not in self._cache:
            self._cache[key] = self.state.translate(entity, from_side, str(source_id))
        return self._cache[key]
