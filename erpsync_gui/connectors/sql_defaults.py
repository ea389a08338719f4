"""A column's server default as a plain value (what the database writes when a row leaves the column out),
for the engine's empty-value rule: an update that clears such a field writes this value instead of NULL."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column
from sqlalchemy.sql import sqltypes

_QUOTED = re.compile(r"^'(.*)'(?:::[\w ]+)?$", re.DOTALL)  # '0' or PostgreSQL's '0'::character varying


def column_default(column: Column) -> Any:
    """The server default of `column` as a value of its type; None when it has none or it is an
    expression (CURRENT_TIMESTAMP, a sequence) rather than a constant."""
    default = column.server_default
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    text = str(getattr(arg, "text", arg)).strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    quoted = _QUOTED.match(text)
    if quoted:
        text = quoted.group(1).replace("''", "'")
    elif text.upper() == "NULL" or not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None  # an expression, not a constant
    kind = column.type
    try:
        if isinstance(kind, sqltypes.Boolean):
            return text.lower() in ("1", "true", "t")
        if isinstance(kind, sqltypes.Integer):
            return int(Decimal(text))
        if isinstance(kind, sqltypes.Numeric):
            return Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if isinstance(kind, sqltypes.DateTime | sqltypes.Date | sqltypes.Time):
        return None
    return text
