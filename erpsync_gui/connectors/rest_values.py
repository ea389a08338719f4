"""How the generic REST dialect spells values: in a query string, and as a field type guessed from a sample."""

from __future__ import annotations

import re
from typing import Any


def param_text(value: Any) -> str:
    """A value as the dialect's query string spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def guess_type(value: Any) -> str:
    """The field type a sample value suggests (the dialect describes no fields)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", value):
            return "datetime"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return "date"
        if re.fullmatch(r"-?\d+\.\d+", value):
            return "number"
    return "text"
