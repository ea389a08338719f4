"""Light or dark, as the operating system says (Qt's style hints colour scheme): the stylesheet of that
scheme, a matching Fusion palette, icon tints and the colours that name a run's state. The app follows a
change of the OS setting while it runs."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from erpsync_gui.ui import icons

log = logging.getLogger("erpsync.ui")

LIGHT, DARK = "light", "dark"
STYLESHEETS = {LIGHT: "style.qss", DARK: "style-dark.qss"}

#: a run's or a day's state as a colour, readable on each scheme's cards
_STATE_COLOURS = {
    LIGHT: {"success": "#2e7d32", "partial": "#b26a00", "failed": "#c62828", "cancelled": "#616161",
            "preview": "#1f5fbf", "muted": "#66758a", "interrupted": "#b26a00"},
    DARK: {"success": "#81c995", "partial": "#fdd663", "failed": "#f28b82", "cancelled": "#bdc1c6",
           "preview": "#8ab4f8", "muted": "#9aa6b5", "interrupted": "#fdd663"},
}
_PALETTES = {
    DARK: {
        QPalette.ColorRole.Window: "#1a1e24", QPalette.ColorRole.WindowText: "#e3e7ec",
        QPalette.ColorRole.Base: "#262c35", QPalette.ColorRole.AlternateBase: "#2b323c",
        QPalette.ColorRole.Text: "#e3e7ec", QPalette.ColorRole.Button: "#262c35",
        QPalette.ColorRole.ButtonText: "#e3e7ec", QPalette.ColorRole.Highlight: "#3b7dd8",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#3a424e",
        QPalette.ColorRole.ToolTipText: "#f1f3f6", QPalette.ColorRole.PlaceholderText: "#7d8794",
        QPalette.ColorRole.Link: "#8ab4f8", QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Mid: "#3a424e", QPalette.ColorRole.Dark: "#15181d", QPalette.ColorRole.Light: "#39414c",
    },
}


class _Notifier(QObject):
    changed = Signal(str)


_state = {"scheme": LIGHT}
#: `changed(scheme)` after the scheme was applied (widgets that paint their own colours follow it)
notifier = _Notifier()


def current() -> str:
    """The scheme the app shows now: "light" or "dark"."""
    return _state["scheme"]


def os_scheme(app: QGuiApplication | None = None) -> str:
    """What the operating system asks for (light when it does not say)."""
    app = app or QGuiApplication.instance()
    if app is None:
        return LIGHT
    return scheme_of(app.styleHints().colorScheme())


def state_colour(state: str) -> str:
    """The colour of a run state (success, partial, failed, cancelled, preview, muted) in the current scheme."""
    colours = _STATE_COLOURS[current()]
    return colours.get(str(state).lower(), colours["failed"])


def _palette(app: QApplication, scheme: str) -> QPalette:
    palette = app.style().standardPalette()
    for role, colour in _PALETTES.get(scheme, {}).items():
        palette.setColor(role, QColor(colour))
        if scheme == DARK and role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                                       QPalette.ColorRole.ButtonText):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c7683"))
    return palette


def apply(app: QApplication, scheme: str | None = None) -> str:
    """Give the app the scheme's palette, stylesheet and icon tints; the OS's scheme unless one is given."""
    scheme = scheme if scheme in STYLESHEETS else os_scheme(app)
    app.setStyle("Fusion")
    app.setPalette(_palette(app, scheme))
    icons.set_scheme(scheme)
    path = icons.resources_dir() / STYLESHEETS[scheme]
    try:
        style = path.read_text(encoding="utf-8")
        app.setStyleSheet(style.replace("%ICONS%", (icons.resources_dir() / "icons").as_posix()))
    except OSError as exc:
        log.warning("stylesheet %s not loaded: %s", path, exc)
    changed = scheme != _state["scheme"]
    _state["scheme"] = scheme
    if changed:
        notifier.changed.emit(scheme)
    return scheme


def scheme_of(value: Qt.ColorScheme) -> str:
    return DARK if value == Qt.ColorScheme.Dark else LIGHT


def follow_os(app: QApplication) -> None:
    """Apply the OS's scheme now and whenever the OS setting changes (Qt tells which it changed to)."""
    apply(app)
    app.styleHints().colorSchemeChanged.connect(lambda value: apply(app, scheme_of(value)))
