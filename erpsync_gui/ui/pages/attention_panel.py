"""The dashboard's Needs attention panel: one line per thing that waits for a person (a failed run, records
that could not sync, conflicts), each opening the page that deals with it; when nothing waits it says so, and
before the first run it says what to do first."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erpsync_gui.app.attention import AttentionItem, attention_items
from erpsync_gui.store.open_work import OpenWork
from erpsync_gui.ui import icons

#: at most this many lines; the rest are summed up on the last one
MAX_LINES = 4
_PAGE_WORDS = {"errors": "Open Errors", "conflicts": "Open Conflicts"}


class AttentionPanel(QFrame):
    #: the admin chose a line: the page to open ("errors", "conflicts", "sync")
    open_page_requested = Signal(str)
    #: the empty state's button: sync every entity
    sync_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attention")
        self.items: list[AttentionItem] = []
        self.title = QLabel("Needs attention")
        self.title.setObjectName("cardTitle")
        self.lines = QVBoxLayout()
        self.lines.setSpacing(2)
        self.lines.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(self.lines)
        self.buttons: list[QPushButton] = []
        self.show_work(None)

    def _clear(self) -> None:
        while self.lines.count():
            item = self.lines.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
            elif item.layout() is not None:
                while item.layout().count():
                    inner = item.layout().takeAt(0).widget()
                    if inner is not None:
                        inner.deleteLater()
        self.buttons = []

    def _line(self, level: str, text: str, action: str | None = None, page: str | None = None) -> None:
        row = QHBoxLayout()
        row.setSpacing(8)
        dot = QLabel()
        dot.setPixmap(icons.status_dot(level).pixmap(12, 12))
        words = QLabel(text)
        words.setWordWrap(True)
        row.addWidget(dot)
        row.addWidget(words, 1)
        if action is not None:
            button = QPushButton(action)
            button.setObjectName("linkButton")
            button.setFlat(True)
            button.setToolTip(f"{action}: {text}")
            button.clicked.connect(lambda: self.sync_all_requested.emit() if page == "sync-all"
                                   else self.open_page_requested.emit(page or "errors"))
            row.addWidget(button)
            self.buttons.append(button)
        self.lines.addLayout(row)

    def show_work(self, work: OpenWork | None) -> None:
        self._clear()
        if work is None:
            self.items = []
            self._line("idle", "Reading what waits…")
            return
        self.items = attention_items(work)
        if work.last_run is None and not self.items:
            self.title.setText("Getting started")
            self._line("idle", "No sync has run yet. Check both sides on Connections, then sync every entity "
                               "(Ctrl+Shift+S) or preview one on the Sync page.", "Sync all", "sync-all")
            return
        self.title.setText("Needs attention" if self.items else "All clear")
        if not self.items:
            self._line("ok", "Nothing waits for you: no failed runs, no open errors, no conflicts.")
            return
        shown = self.items[:MAX_LINES]
        for item in shown:
            self._line(item.level, item.text, _PAGE_WORDS.get(item.page, "Open"), item.page)
        if len(self.items) > MAX_LINES:
            self._line("warn", f"and {len(self.items) - MAX_LINES} more on the Errors page", "Open Errors", "errors")

    def texts(self) -> list[str]:
        """The lines as shown (for the tests and for screen readers)."""
        return [item.text for item in self.items]
