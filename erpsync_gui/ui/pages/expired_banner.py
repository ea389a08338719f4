"""The warning shown when an endpoint's OAuth2 sign-in has expired (its refresh token was rejected): what
happened in one line, and a "Sign in..." button per expired side."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from erpsync_gui.records import Side
from erpsync_gui.ui.icons import icon


def expired_text(sides: Iterable[Side]) -> str:
    """"The ERP sign-in has expired: sign in again" (both sides named when both expired); "" for none."""
    chosen = set(sides)
    names = [side.value.upper() for side in Side if side in chosen]
    if not names:
        return ""
    if len(names) == 1:
        return f"The {names[0]} sign-in has expired: sign in again"
    return f"The {' and '.join(names)} sign-ins have expired: sign in again"


class ExpiredBanner(QFrame):
    """Hidden until `show_expired` names a side; `sign_in_requested(side)` when its button is pressed."""

    sign_in_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("level", "warn")
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.buttons: dict[Side, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(QLabel(pixmap=icon("errors").pixmap(18, 18)))
        layout.addWidget(self.label, 1)
        for side in Side:
            button = QPushButton(f"Sign in to {side.value.upper()}…")
            button.setObjectName("primary")
            button.clicked.connect(lambda _checked=False, s=side: self.sign_in_requested.emit(s))
            self.buttons[side] = button
            layout.addWidget(button)
        self.expired: tuple[Side, ...] = ()
        self.hide()

    def show_expired(self, sides: Iterable[Side]) -> None:
        chosen = set(sides)
        self.expired = tuple(side for side in Side if side in chosen)
        self.label.setText(expired_text(self.expired))
        for side, button in self.buttons.items():
            button.setVisible(side in self.expired)
        self.setVisible(bool(self.expired))

    def set_busy(self, side: Side, busy: bool) -> None:
        self.buttons[side].setEnabled(not busy)
