"""Layout pieces every page shares, so the pages look alike and say only what is their own."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLayout, QVBoxLayout, QWidget

from erpsync_gui.ui.widgets.page_header import page_header


def page_layout(page: QWidget, title: str | None = None, subtitle: str | None = None) -> QVBoxLayout:
    """The page's own layout with the house margins, and its title and one-line explanation when given."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(24, 20, 24, 16)
    layout.setSpacing(12)
    if title is not None:
        layout.addWidget(page_header(title, subtitle or ""))
    return layout


def with_message(content: QWidget | QLayout, message: QLabel) -> QWidget:
    """A field (or a row of fields) with its inline error message under it, as one form row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    if isinstance(content, QLayout):
        layout.addLayout(content)
    else:
        layout.addWidget(content)
    layout.addWidget(message)
    return box
