"""The names of the Errors page's records: from the payload a failed write sent, else read from the record's
own system in the background (a mapping error stops before there is a payload), then shown."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from erpsync_gui.records import Side
from erpsync_gui.store.queries import OutcomeEntry
from erpsync_gui.ui.record_names import RecordNames, fetch_names, source_side
from erpsync_gui.ui.widgets.worker import run_in_background


def _source_id(entry: OutcomeEntry) -> tuple[Side | None, str | None]:
    side = source_side(entry)
    return side, (entry.crm_id if side is Side.CRM else entry.erp_id) if side else None


class ErrorNames(QObject):
    #: names arrived from the systems (the page shows its records again)
    names_read = Signal()

    def __init__(self, ctx, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.names = RecordNames(None)
        self._fetched: dict[tuple[Side, str], str] = {}

    def name_of(self, entry: OutcomeEntry) -> str | None:
        """The record's display name: from the payload it sent, else as read from its system."""
        side, record_id = _source_id(entry)
        return self.names.of_outcome(entry) or (self._fetched.get((side, record_id)) if side and record_id else None)

    def fetch_missing(self, entries: list[OutcomeEntry]) -> None:
        wanted: dict[Side, list[str]] = {}
        for entry in entries:
            side, record_id = _source_id(entry)
            if side and record_id and self.name_of(entry) is None and (side, record_id) not in self._fetched:
                wanted.setdefault(side, []).append(record_id)
        name = self.ctx.profile.name
        if not wanted or name is None:
            return
        entity, service = entries[0].entity, self.ctx.service
        run_in_background(lambda: fetch_names(service, name, entity, wanted), owner=self,
                          on_done=self._read, on_error=lambda _exc: None)

    def _read(self, names: dict[tuple[Side, str], str]) -> None:
        self._fetched.update(names)
        if names:
            self.names_read.emit()
