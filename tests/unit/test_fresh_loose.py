"""The loose form of a first import's key values reads numbers as Decimal does, in every script, and leaves other
text as it is, without asking Decimal about text that cannot be a number."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from erpsync_gui.engine.fresh import _loose


def _by_decimal(value: object) -> object:
    """The loose form as Decimal alone decides it for text."""
    text = "".join(str(value).split()).casefold()
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text or None


def test_every_character_at_the_start_gives_what_decimal_gives():
    for code in range(0x20000):
        ch = chr(code)
        for text in (ch, ch + "1", ch + "nf", ch + "an", ch + "_1", "x" + ch):
            assert _loose(text) == _by_decimal(text), repr(text)


def test_numbers_and_codes():
    assert _loose(" 00 12 ") == "12"
    assert _loose("١٢") == "12"  # Arabic-Indic digits are a number too
    assert _loose("C00017") == "c00017"
    assert _loose("  ") is None
    assert _loose(12.50) == "12.5"
    assert _loose(None) is None
