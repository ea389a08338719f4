"""The sidebar's page list, with a count badge on a page where work waits (open errors, waiting conflicts):
the number drawn as a pill at the item's right edge, and said in the item's tooltip and accessible text."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QListWidgetItem, QStyledItemDelegate, QStyleOptionViewItem

from erpsync_gui.ui import theme

#: item data: the badge's count (0 or absent: no badge) and its level ("error" red, "warn" amber)
BADGE_ROLE = int(Qt.ItemDataRole.UserRole) + 1
BADGE_LEVEL_ROLE = int(Qt.ItemDataRole.UserRole) + 2
_BADGE_COLOURS = {"error": "#c62828", "warn": "#b26a00"}


def set_badge(item: QListWidgetItem, count: int, level: str, title: str, what: str, shortcut: str) -> None:
    """Show `count` on the item (nothing for 0); tooltip and accessible text say it in words."""
    item.setData(BADGE_ROLE, count)
    item.setData(BADGE_LEVEL_ROLE, level)
    words = f"{title}: {count} {what}" if count else title
    item.setToolTip(f"{words} ({shortcut})")
    item.setData(Qt.ItemDataRole.AccessibleTextRole, words)


def badge_text(count: int) -> str:
    return "99+" if count > 99 else str(count)


class BadgeDelegate(QStyledItemDelegate):
    """Paints the item as the style does, then its badge."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        count = index.data(BADGE_ROLE) or 0
        if not count:
            return
        text = badge_text(int(count))
        metrics = option.fontMetrics
        height = metrics.height() + 2
        width = max(height, metrics.horizontalAdvance(text) + 12)
        rect = QRect(option.rect.right() - width - 10, option.rect.center().y() - height // 2, width, height)
        colour = _BADGE_COLOURS.get(index.data(BADGE_LEVEL_ROLE) or "error", _BADGE_COLOURS["error"])
        if theme.current() == theme.DARK:
            colour = {"#c62828": "#d9534f", "#b26a00": "#c98a1a"}.get(colour, colour)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(QRectF(rect), height / 2, height / 2)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
