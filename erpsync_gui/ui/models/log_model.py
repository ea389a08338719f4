"""The log viewer's table model: log lines appended in chunks, filtered in the model itself.

Filtering keeps a list of the visible lines (one pass of plain Python per filter change, no per-row
proxy calls), so 100,000+ lines stay smooth to scroll, append to and re-filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from erpsync_gui.entities import label
from erpsync_gui.store.log_handler import LEVELS, LogEntry

COLUMNS = ("Time", "Level", "Entity", "Run", "Message")
_LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}
_LEVEL_COLOURS = {"WARNING": QColor("#b26a00"), "ERROR": QColor("#c62828"), "CRITICAL": QColor("#c62828"),
                  "DEBUG": QColor("#757575")}
#: beyond this the oldest lines leave the view (the database keeps them)
MAX_LINES = 500_000


@dataclass(frozen=True)
class LogFilter:
    """What the viewer shows: a minimum level, one entity, one run, a text, one profile (plus lines
    that belong to no profile)."""

    level: str = "DEBUG"
    entity: str | None = None
    run_id: int | None = None
    text: str = ""
    profile_id: int | None = None

    def accepts(self, entry: LogEntry) -> bool:
        return self._matcher()(entry)

    def _matcher(self):
        minimum = _LEVEL_RANK.get(self.level.upper(), 0)
        needle = self.text.casefold()
        entity, run_id, profile_id = self.entity, self.run_id, self.profile_id

        def match(e: LogEntry) -> bool:
            return (_LEVEL_RANK.get(e.level, len(LEVELS)) >= minimum
                    and (entity is None or e.entity == entity)
                    and (run_id is None or e.run_id == run_id)
                    and (profile_id is None or e.profile_id is None or e.profile_id == profile_id)
                    and (not needle or needle in e.message.casefold()))
        return match

    def select(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        match = self._matcher()
        return [e for e in entries if match(e)]


def format_line(entry: LogEntry) -> str:
    """One line as text (copy and export)."""
    run = f" run {entry.run_id}" if entry.run_id is not None else ""
    entity = f" [{entry.entity}]" if entry.entity else ""
    return f"{entry.created_at.astimezone():%Y-%m-%d %H:%M:%S} {entry.level:<8}{entity}{run} {entry.message}"


class LogTableModel(QAbstractTableModel):
    """All fetched lines in memory; `rowCount` is the number of lines the filter lets through."""

    def __init__(self, parent=None, max_lines: int = MAX_LINES) -> None:
        super().__init__(parent)
        self.max_lines = max_lines
        self._all: list[LogEntry] = []
        self._rows: list[LogEntry] = []
        self._filter = LogFilter()

    # -- the Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{entry.created_at.astimezone():%Y-%m-%d %H:%M:%S}"
            if column == 1:
                return entry.level
            if column == 2:
                return label(entry.entity) if entry.entity else ""
            if column == 3:
                return "" if entry.run_id is None else str(entry.run_id)
            # one line in the table; the tooltip and copy carry the whole text
            return entry.message.split("\n", 1)[0]
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            return entry.message[:4000]
        if role == Qt.ItemDataRole.ForegroundRole and column in (1, 4):
            return _LEVEL_COLOURS.get(entry.level)
        return None

    # -- contents ------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Lines held, before filtering."""
        return len(self._all)

    @property
    def last_id(self) -> int | None:
        return self._all[-1].id if self._all else None

    @property
    def current_filter(self) -> LogFilter:
        return self._filter

    def entry(self, row: int) -> LogEntry:
        return self._rows[row]

    def visible(self) -> Sequence[LogEntry]:
        return tuple(self._rows)

    def append(self, entries: Sequence[LogEntry]) -> int:
        """Add lines newer than the ones held (older or repeated ids are ignored); returns how many became
        visible."""
        last = self.last_id
        fresh = [e for e in entries if last is None or e.id > last]
        if not fresh:
            return 0
        self._all.extend(fresh)
        shown = self._filter.select(fresh)
        if shown:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(shown) - 1)
            self._rows.extend(shown)
            self.endInsertRows()
        self._trim()
        return len(shown)

    def _trim(self) -> None:
        overflow = len(self._all) - self.max_lines
        if overflow <= 0:
            return
        dropped = self._all[:overflow]
        del self._all[:overflow]
        newest_dropped = dropped[-1].id
        gone = 0
        while gone < len(self._rows) and self._rows[gone].id <= newest_dropped:
            gone += 1
        if gone:
            self.beginRemoveRows(QModelIndex(), 0, gone - 1)
            del self._rows[:gone]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._all.clear()
        self._rows.clear()
        self.endResetModel()

    def set_filter(self, new: LogFilter) -> None:
        if new == self._filter:
            return
        self.beginResetModel()
        self._filter = new
        self._rows = new.select(self._all)
        self.endResetModel()

    def entities(self) -> list[str]:
        """Entity names seen in the held lines (for the entity filter)."""
        return sorted({e.entity for e in self._all if e.entity})
