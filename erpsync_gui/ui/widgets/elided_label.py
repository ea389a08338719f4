"""A label that never grows past its room: the text wraps over at most `max_lines` lines and the last one
ends in "…" when there is more; the whole text is in the tooltip (and the accessible description)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QPainter, QTextLayout, QTextOption
from PySide6.QtWidgets import QSizePolicy, QWidget


class ElidedLabel(QWidget):
    def __init__(self, text: str = "", max_lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._colour: str | None = None
        self.max_lines = max(1, max_lines)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_text(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self.set_text(text, self._colour)

    def set_text(self, text: str, colour: str | None = None) -> None:
        """The text, and its colour (None: the palette's text colour)."""
        self._text, self._colour = text or "", colour
        self.setToolTip(self._text)
        self.setAccessibleDescription(self._text)
        self.update()

    def set_colour(self, colour: str | None) -> None:
        self._colour = colour
        self.update()

    def colour(self) -> str | None:
        return self._colour

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 30, metrics.lineSpacing() * self.max_lines + 2)

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 8, metrics.lineSpacing() * self.max_lines + 2)

    def lines(self, width: int | None = None) -> list[str]:
        """The lines as drawn at `width` (the widget's own by default), the last elided when it must be."""
        width = max(1, width if width is not None else self.width())
        layout = QTextLayout(self._text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        spans: list[tuple[int, int]] = []
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            spans.append((line.textStart(), line.textLength()))
        layout.endLayout()
        if len(spans) <= self.max_lines:
            return [self._text[start:start + length].rstrip() for start, length in spans]
        shown = [self._text[start:start + length].rstrip() for start, length in spans[:self.max_lines - 1]]
        rest = self._text[spans[self.max_lines - 1][0]:]
        shown.append(self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width))
        return shown

    def is_elided(self) -> bool:
        return "".join(self.lines()).replace(" ", "") != self._text.replace(" ", "")

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setPen(QColor(self._colour) if self._colour else self.palette().color(self.foregroundRole()))
        metrics = self.fontMetrics()
        lines = self.lines()
        top = (self.height() - metrics.lineSpacing() * len(lines)) / 2
        for number, text in enumerate(lines):
            rect = QRectF(QPointF(0, top + number * metrics.lineSpacing()), QSizeF(self.width(), metrics.lineSpacing()))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.end()
