"""Jalali (Solar Hijri) dates as Iranian systems write them, "1404/09/04", to and from Gregorian dates.

The calendar arithmetic is jdatetime's. Text is read leniently (Persian ۰-۹ and Arabic-Indic ٠-٩ digits,
"-" or "." as separators, one-digit months and days) and always written as ASCII "YYYY/MM/DD", the form
Siagh's login reply and forms use. A date that does not exist (1404/12/30: 1404 is not a leap year) is a
ConversionError, never a silent roll-over into the next month.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import jdatetime

from erpsync_gui.mapping.types import ConversionError

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_JALALI = re.compile(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")
#: Jalali years in use are far from Gregorian ones; a year outside this range is a mix-up of calendars
_JALALI_YEARS = range(1200, 1600)


def ascii_digits(text: str) -> str:
    """`text` with Persian and Arabic-Indic digits written as ASCII digits."""
    return text.translate(_DIGITS)


def to_jalali(day: date) -> str:
    """2025-11-25 -> "1404/09/04"."""
    jalali = jdatetime.date.fromgregorian(date=day)
    return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"


def from_jalali(text: str) -> date:
    """"1404/09/04" -> 2025-11-25; ConversionError for text that is not a real Jalali date."""
    match = _JALALI.fullmatch(ascii_digits(text.strip()))
    if not match:
        raise ConversionError("is not a Jalali date (expected YYYY/MM/DD, e.g. 1404/09/04)")
    year, month, day = (int(part) for part in match.groups())
    if year not in _JALALI_YEARS:
        raise ConversionError(f"has the year {year}, which is not a Jalali year in use")
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError:
        raise ConversionError("is not a day of the Jalali calendar") from None


def gregorian_of(value: Any) -> date | None:
    """A Gregorian date from a date, a datetime (its own date part, no zone shift) or ISO text; None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ConversionError("is not a date")
    text = ascii_digits(value.strip())
    if not text:
        return None
    match = _ISO_DATE.fullmatch(text)
    if not match:
        raise ConversionError("is not a Gregorian date (expected YYYY-MM-DD)")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ConversionError("is not a valid date") from None
