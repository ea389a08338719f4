"""The fixed, safe set of value transforms a mapping row may name; no eval, no user code.

A transform is written as `name` or `name:ARG` (`replace:OLD:NEW`). Text transforms leave None alone
(except `default_if_empty`); `round:N` works on numbers. `add:N` adds a number (N may be negative or
decimal) and works on numbers and on text holding one, so it composes with prefix/remove_prefix: a site
whose CRM customer number is "100-" + (ERP code + 1000) writes the row toward the ERP as
["remove_prefix:100-", "add:-1000"], and the way back (add:1000, prefix:100-) follows by itself.
`jalali_date` writes a Gregorian date as Jalali text ("2025-11-25" -> "1404/09/04") and `gregorian_date`
reads it back; each is the other's way back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from typing import Any

from erpsync_gui.mapping import jalali
from erpsync_gui.mapping.types import ConversionError, to_decimal, to_text

#: name -> does it take an argument
TEXT_TRANSFORMS: dict[str, bool] = {
    "strip": False,
    "lower": False,
    "upper": False,
    "title": False,
    "collapse_spaces": False,
    "digits_only": False,
    "remove_diacritics": False,
    "truncate": True,
    "prefix": True,
    "suffix": True,
    "remove_prefix": True,
    "remove_suffix": True,
    "jalali_date": False,
    "gregorian_date": False,
    "replace": True,
    "default_if_empty": True,
}
NUMBER_TRANSFORMS: dict[str, bool] = {"round": True}
#: arithmetic on numbers that also applies to text holding a number (a customer number's digits)
ARITHMETIC_TRANSFORMS: dict[str, bool] = {"add": True}
KNOWN = {**TEXT_TRANSFORMS, **NUMBER_TRANSFORMS, **ARITHMETIC_TRANSFORMS}
_ADD_ARG = re.compile(r"[+-]?\d{1,15}(\.\d{1,10})?")

#: transforms after which the value no longer says what it was: a key read through one can only be compared
#: in the form it produces ("INV-2026-00200" and "202600200" are one invoice number after digits_only)
LOSSY = frozenset({"digits_only", "truncate", "remove_diacritics", "replace", "default_if_empty", "round"})
#: applied toward the CRM as they are when a row gives no transform_to_crm
_SYMMETRIC = frozenset({"strip", "collapse_spaces", "lower", "upper", "title"})
#: letters NFKD does not decompose
_LETTERS = str.maketrans({
    "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L",
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "Þ": "Th",
})


@dataclass(frozen=True)
class Transform:
    name: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ":".join((self.name, *self.args))


def parse_transform(spec: Any) -> Transform:
    """'truncate:40' -> Transform('truncate', ('40',)); raises ValueError saying what is wrong."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"transform {spec!r} is not a transform name")
    name, sep, rest = spec.partition(":")
    name = name.strip()
    if name not in KNOWN:
        raise ValueError(f"unknown transform {name!r} (known: {', '.join(KNOWN)})")
    if not KNOWN[name]:
        if sep:
            raise ValueError(f"transform {name!r} takes no argument")
        return Transform(name)
    if not sep:
        raise ValueError(f"transform {name!r} needs an argument, e.g. {_EXAMPLES[name]}")
    if name in ("truncate", "round"):
        if not re.fullmatch(r"\d{1,4}", rest.strip()):
            raise ValueError(f"transform {name!r} needs a whole number >= 0, e.g. {_EXAMPLES[name]}")
        return Transform(name, (rest.strip(),))
    if name == "replace":
        old, sep2, new = rest.partition(":")
        if not old or not sep2:
            raise ValueError("transform 'replace' needs OLD and NEW, e.g. replace:-:/ (NEW may be empty)")
        return Transform(name, (old, new))
    if name in ("prefix", "suffix", "remove_prefix", "remove_suffix") and not rest:
        raise ValueError(f"transform {name!r} needs a non-empty text, e.g. {_EXAMPLES[name]}")
    if name == "add":
        if not _ADD_ARG.fullmatch(rest.strip()):
            raise ValueError(f"transform 'add' needs a number, e.g. {_EXAMPLES[name]} or add:-1000")
        return Transform(name, (rest.strip(),))
    return Transform(name, (rest,))


_EXAMPLES = {
    "truncate": "truncate:40", "round": "round:2", "prefix": "prefix:C-", "suffix": "suffix:/RO",
    "replace": "replace:-:/", "default_if_empty": "default_if_empty:n/a", "remove_prefix": "remove_prefix:100-",
    "remove_suffix": "remove_suffix:/RO", "add": "add:1000",
}
#: transforms whose way back is another transform of the set
_INVERSE = {"prefix": "_remove_prefix", "suffix": "_remove_suffix", "remove_prefix": "prefix",
            "remove_suffix": "suffix", "jalali_date": "gregorian_date", "gregorian_date": "jalali_date"}


def toward_crm(to_erp: Iterable[Transform]) -> tuple[Transform, ...]:
    """The transforms applied toward the CRM when a row names none: the case/space ones as they are,
    prefix/suffix removed again (in reverse order); the lossy ones are not undone."""
    out: list[Transform] = []
    for t in reversed(tuple(to_erp)):
        if t.name in _SYMMETRIC:
            out.append(t)
        elif t.name in _INVERSE:
            out.append(Transform(_INVERSE[t.name], t.args))
        elif t.name == "add":
            out.append(Transform("add", (_negated(t.args[0]),)))
    return tuple(out)


def _negated(number: str) -> str:
    return number[1:] if number.startswith("-") else "-" + number.lstrip("+")


def remove_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def apply(t: Transform, value: Any) -> Any:
    """Apply one transform; raises ConversionError when the value does not suit it."""
    return compiled(t)(value)


@lru_cache(maxsize=1024)
def compiled(t: Transform) -> Callable[[Any], Any]:
    """`t` as a function of any value (what `apply` does), worked out once per transform."""
    op = text_op(t)
    if op is None:
        return partial(_apply_value, t)

    def on_text(value: Any) -> Any:
        if type(value) is str:  # the usual value: to_text would give it back as it is
            return op(value)
        text = to_text(value)
        return None if text is None else op(text)

    return on_text


def _apply_value(t: Transform, value: Any) -> Any:
    """The transforms that are not text to text: numbers, dates and the one that fills an empty value."""
    if t.name == "round":
        number = to_decimal(value)
        if number is None:
            return None
        return number.quantize(Decimal(1).scaleb(-int(t.args[0])), rounding=ROUND_HALF_UP)
    if t.name == "add":
        number = to_decimal(value)
        return None if number is None else number + Decimal(t.args[0])
    if t.name == "jalali_date":
        day = jalali.gregorian_of(value)
        return None if day is None else jalali.to_jalali(day)
    if t.name == "gregorian_date":
        text = to_text(value)
        return None if text is None or not text.strip() else jalali.from_jalali(text).isoformat()
    text = to_text(value)  # default_if_empty
    return t.args[0] if text is None or text == "" else text


#: transforms that are no function of text alone (None is theirs to handle, or they give no text)
_NOT_TEXT = frozenset({"round", "add", "jalali_date", "gregorian_date", "default_if_empty"})
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"[^0-9]")
_AFFIXES = frozenset({"prefix", "suffix", "_remove_prefix", "remove_prefix", "_remove_suffix", "remove_suffix"})


@lru_cache(maxsize=1024)
def text_op(t: Transform) -> Callable[[str], str] | None:
    """`t` as a function from text to text, for the transforms that are one (None for the others); what it
    gives a text is what `apply` gives it."""
    name, args = t.name, t.args
    if name in _NOT_TEXT:
        return None
    simple = _SIMPLE.get(name)
    if simple is not None:
        return simple
    if name == "truncate":
        size = int(args[0])
        return lambda text: text[:size]
    if name == "replace":
        old, new = args
        return lambda text: text.replace(old, new)
    if name not in _AFFIXES:
        def unknown(text: str) -> str:
            raise ConversionError(f"unknown transform {name!r}")

        return unknown
    affix = args[0]
    # prefix/suffix are idempotent so a value that already carries them is not marked twice
    if name == "prefix":
        return lambda text: text if text.startswith(affix) else affix + text
    if name == "suffix":
        return lambda text: text if text.endswith(affix) else text + affix
    if name in ("_remove_prefix", "remove_prefix"):
        return lambda text: text[len(affix):] if text.startswith(affix) else text
    return lambda text: text[: -len(affix)] if text.endswith(affix) else text


_SIMPLE: dict[str, Callable[[str], str]] = {
    "strip": str.strip, "lower": str.lower, "upper": str.upper, "title": str.title,
    "collapse_spaces": partial(_SPACES.sub, " "), "digits_only": partial(_NON_DIGITS.sub, ""),
    "remove_diacritics": remove_diacritics,
}
#: the transforms `text_op` gives a function of text for (text in, text out, never an error)
TEXT_TO_TEXT = frozenset({*_SIMPLE, "truncate", "replace", *_AFFIXES})


def apply_all(transforms: Iterable[Transform], value: Any) -> Any:
    for t in transforms:
        value = apply(t, value)
    return value
