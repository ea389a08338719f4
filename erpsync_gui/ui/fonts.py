"""Text the installed fonts cannot draw: a currency sign such as the Iranian rial's "﷼" (U+FDFC) shows as an
empty box where no font has it. Such a character falls back to its compatibility form when that can be drawn
(the rial sign is the ligature of the word "ریال"), else it is left out, with an empty "()" it leaves."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication

#: families that hold the signs and scripts ERPSync shows (Windows, then common Linux fonts), tried in order
FALLBACK_FAMILIES = ("Segoe UI", "Segoe UI Symbol", "Tahoma", "Arial", "Noto Sans", "Noto Sans Arabic",
                     "Vazirmatn", "DejaVu Sans")


@cache
def _families(base: str) -> tuple[str, ...]:
    installed = set(QFontDatabase.families())
    return tuple(dict.fromkeys([base, *(f for f in FALLBACK_FAMILIES if f in installed)]))


def install_fallbacks(app: QGuiApplication) -> None:
    """The app's font with the fallback families behind it, so Qt looks in them for a missing sign."""
    font = app.font()
    font.setFamilies(list(_families(font.family())))
    app.setFont(font)


def _drawable(char: str) -> bool:
    if char.isspace() or unicodedata.category(char).startswith(("C", "Z")) or ord(char) < 0x0250:
        return True
    app = QGuiApplication.instance()
    base = app.font() if app is not None else QFont()
    for family in _families(base.family()):
        if QFontMetrics(QFont(family, base.pointSize())).inFontUcs4(ord(char)):
            return True
    return False


@cache
def drawable(char: str) -> bool:
    """Whether some installed font draws this character."""
    return _drawable(char)


def displayable(text: str) -> str:
    """`text` with each character no font can draw replaced by its compatibility form, or left out."""
    if all(drawable(c) for c in text):
        return text
    out = []
    for char in text:
        if drawable(char):
            out.append(char)
            continue
        spelled = unicodedata.normalize("NFKC", char)
        if spelled != char and all(drawable(c) for c in spelled):
            out.append(spelled)
    return re.sub(r"\s*\(\s*\)", "", "".join(out)).strip()
