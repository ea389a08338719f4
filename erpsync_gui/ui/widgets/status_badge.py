"""A coloured dot with a short text: the app's one way of showing a state (connection, run, check)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from erpsync_gui.ui.icons import status_dot


class StatusBadge(QWidget):
    """`set_status("ok", "Connected")`; levels: ok, warn, error, idle, busy."""

    def __init__(self, text: str = "", level: str = "idle", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dot = QLabel(self)
        self._dot.setFixedSize(14, 14)
        self.label = QLabel(text, self)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label, 1)
        self.level = ""
        self.set_status(level, text)

    def set_status(self, level: str, text: str, tooltip: str | None = None) -> None:
        self.level = level
        self._dot.setPixmap(status_dot(level).pixmap(12, 12))
        self.label.setText(text)
        self.setToolTip(tooltip or "")
        self.setAccessibleName(f"{text} ({level})")

    def text(self) -> str:
        return self.label.text()
