"""The app's SVG icons (resources/icons), rendered crisp at any screen scale and tinted for their state.

Monochrome icons draw with `currentColor`; they are painted in the text colour normally, in the accent
colour when selected and greyed when disabled. Coloured icons (app, tray, status dots) keep their colours.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from erpsync_gui.resource_files import resources_dir

TEXT_COLOR = "#445266"
ACCENT_COLOR = "#1f5fbf"
DISABLED_COLOR = "#a9b2bd"
#: the tints of monochrome icons per colour scheme: text, selected (accent), disabled
TINTS = {"light": (TEXT_COLOR, ACCENT_COLOR, DISABLED_COLOR), "dark": ("#c3cbd6", "#8ab4f8", "#5d6672")}
_tint = list(TINTS["light"])
#: pixel sizes rendered into every icon; Qt picks the nearest for the screen's device pixel ratio
_SIZES = (16, 20, 24, 32, 40, 48, 64, 96, 128, 256)

#: the sidebar icon of each page, and the other names the app uses
PAGE_ICONS = ("dashboard", "sync", "connections", "mappings", "logs", "errors", "conflicts")
TRAY_ICONS = {"idle": "tray-idle", "running": "tray-running", "error": "tray-error"}
STATUS_LEVELS = ("ok", "warn", "error", "idle", "busy")


def icon_path(name: str) -> Path:
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon named {name!r} in {path.parent}")
    return path


@cache
def _svg(name: str) -> str:
    return icon_path(name).read_text(encoding="utf-8")


def render(name: str, size: int, color: str | None = None, dpr: float = 1.0) -> QPixmap:
    """One pixmap of the icon at `size` logical pixels for a screen of device pixel ratio `dpr`."""
    text = _svg(name)
    if color is not None:
        text = text.replace("currentColor", color)
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    pixels = max(1, round(size * dpr))
    pixmap = QPixmap(QSize(pixels, pixels))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(dpr)
    return pixmap


def set_scheme(scheme: str) -> None:
    """Tint monochrome icons for the "light" or "dark" colour scheme (icons made from now on)."""
    _tint[:] = TINTS.get(scheme, TINTS["light"])
    _icon.cache_clear()


def icon(name: str, color: str | None = None) -> QIcon:
    """The named icon; monochrome ones get `color` (default: the text colour) plus selected/disabled tints."""
    return _icon(name, color, *_tint)


@cache
def _icon(name: str, color: str | None, text: str, accent: str, disabled: str) -> QIcon:
    result = QIcon()
    tinted = "currentColor" in _svg(name)
    normal = (color or text) if tinted else None
    for size in _SIZES:
        result.addPixmap(render(name, size, normal), QIcon.Mode.Normal)
        if tinted:
            result.addPixmap(render(name, size, accent), QIcon.Mode.Selected)
            result.addPixmap(render(name, size, disabled), QIcon.Mode.Disabled)
    return result


def app_icon() -> QIcon:
    return icon("app")


def tray_icon(state: str) -> QIcon:
    """The tray icon for "idle", "running" or "error"."""
    return icon(TRAY_ICONS[state])


def status_dot(level: str) -> QIcon:
    """A small coloured dot: ok (green), warn (amber), error (red), idle (grey), busy (blue)."""
    if level not in STATUS_LEVELS:
        raise ValueError(f"unknown status level {level!r}")
    return icon(f"dot-{level}")
