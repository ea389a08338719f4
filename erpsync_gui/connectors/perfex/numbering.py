"""Invoice and estimate numbers as Perfex hands them out and shows them.

Invoices_model::add (Perfex 2.7)::

    $data['prefix']        = get_option('invoice_prefix');
    $data['number_format'] = get_option('invoice_number_format');
    ...
    // Update next invoice number in settings if status is not draft
    $this->increment_next_number();   // tbloptions next_invoice_number = value + 1

(Estimates_model::add the same with estimate_prefix, estimate_number_format, next_estimate_number.) The
number shown is sales_number_format() of the row (sales_helper.php)::

    $prefixPadding = get_option('number_padding_prefixes');
    if ($format == 1) {        // Number based
        $number = $applied_prefix . str_pad($number, $prefixPadding, '0', STR_PAD_LEFT);
    } elseif ($format == 2) {  // Year based
        $number = $applied_prefix . date('Y', strtotime($date)) . '/' . str_pad(...);
    } elseif ($format == 3) {  // Number-yy based
        $number = $applied_prefix . str_pad(...) . '-' . date('y', strtotime($date));
    } elseif ($format == 4) {  // Number-mm-yyyy based
        $number = $applied_prefix . str_pad(...) . '/' . date('m', ...) . '/' . date('Y', ...);
    }

Perfex 2.7.3 keeps no formatted number column: the connector presents it as the field `formatted_number`,
and as `own_number` for a document Perfex numbered for itself. A document that came from the other system
(the row carries the origin marker) has no `own_number`: it keeps the other system's number there, and
Perfex's number for it never travels back to overwrite that one. Both fields are computed, never stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from erpsync_gui.connectors.perfex.settings import get_option, int_option, lock_option, set_option
from erpsync_gui.connectors.sql_schema import SchemaCatalog
from erpsync_gui.connectors.sql_writing import PreparedRow

FORMATTED = "formatted_number"
OWN = "own_number"
COMPUTED = frozenset({FORMATTED, OWN})
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Numbering:
    """The tbloptions names one kind of sales document is numbered by."""

    prefix: str
    next: str
    format: str


INVOICES = Numbering("invoice_prefix", "next_invoice_number", "invoice_number_format")
ESTIMATES = Numbering("estimate_prefix", "next_estimate_number", "estimate_number_format")


def sales_number_format(number: Any, fmt: Any, prefix: str | None, day: date | datetime | None,
                        padding: int) -> str:
    """The number as Perfex shows it (see the module docstring); a format Perfex does not know leaves the
    bare number, as its code does."""
    text = str(number if number is not None else "")
    padded = text.rjust(padding, "0") if padding > 0 else text
    prefix = prefix or ""
    fmt = int(fmt) if str(fmt).strip().isdigit() else 0
    if fmt == 1:
        return f"{prefix}{padded}"
    if day is None:
        return text if fmt not in (2, 3, 4) else f"{prefix}{padded}"
    if fmt == 2:
        return f"{prefix}{day:%Y}/{padded}"
    if fmt == 3:
        return f"{prefix}{padded}-{day:%y}"
    if fmt == 4:
        return f"{prefix}{padded}/{day:%m}/{day:%Y}"
    return text


def padding(conn: Connection, catalog: SchemaCatalog) -> int:
    """number_padding_prefixes (an empty setting pads nothing, as str_pad with length '' does)."""
    return int_option(conn, catalog, "number_padding_prefixes") or 0


def assign(conn: Connection, catalog: SchemaCatalog, numbering: Numbering, rows: Sequence[PreparedRow]) -> None:
    """Give each new row without a number the next one (and the prefix and format Perfex stamps), and move
    next_*_number past every number used, in the caller's transaction (the option row stays locked)."""
    current = lock_option(conn, catalog, numbering.next)
    try:
        following = int(str(current).strip()) if current not in (None, "") else 1
    except ValueError:
        following = 1
    prefix = get_option(conn, catalog, numbering.prefix)
    fmt = int_option(conn, catalog, numbering.format)
    for row in rows:
        values = row.values
        values.setdefault("prefix", prefix if prefix is not None else "")
        if fmt is not None:
            values.setdefault("number_format", fmt)
        if values.get("number") is None:
            values["number"] = following
            following += 1
        else:
            following = max(following, int(values["number"]) + 1)
    if current is not None:
        set_option(conn, catalog, numbering.next, str(following))


def present(table: Table, data: dict[str, Any], pad: int, marker: str | None) -> None:
    """Add the formatted number (and the own number, see the module docstring) to a row read from `table`;
    `marker` names the origin-marker column where the table has one."""
    if "number" in table.c:
        formatted = sales_number_format(data.get("number"), data.get("number_format"), data.get("prefix"),
                                        data.get("date"), pad)
        data[FORMATTED] = formatted
        data[OWN] = None if marker is not None and data.get(marker) not in (None, "") else formatted


def search(conn: Connection, table: Table, pk: Any, values: Sequence[Any], pad: int,
           marker: str | None = None) -> dict[str, list[Any]]:
    """Keys of the rows whose formatted number is each of `values` (only rows without the origin marker, with
    `marker`): the candidates are the rows numbered by any digit run of the value, kept when their formatted
    number is the value exactly."""
    wanted = {str(v).strip(): str(v) for v in values}
    numbers = {int(d) for text in wanted for d in _DIGITS.findall(text) if len(d) < 12}
    if not numbers:
        return {}
    columns = [pk, table.c.number, table.c.number_format, table.c.prefix, table.c.date]
    query = select(*columns).where(table.c.number.in_(numbers)).order_by(pk)
    if marker is not None:
        query = query.where((table.c[marker].is_(None)) | (table.c[marker] == ""))
    found: dict[str, list[Any]] = {}
    for key, number, fmt, prefix, day in conn.execute(query):
        label = wanted.get(sales_number_format(number, fmt, prefix, day, pad))
        if label is not None:
            found.setdefault(label, []).append(key)
    return found
