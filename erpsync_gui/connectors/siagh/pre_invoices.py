"""Siagh sales pre-invoices (پیش فاکتور فروش, header table sl_sanad, lines sl_rizsanad): building form 43D81.

The payload is the header's columns by name (`codemoshtari`, `tozihat` ...) plus `lines`, a list of line
columns (`codekala`, `nameunit`, `qty`, `price`, `mabtakhfif` ...). Header values the mapping leaves out
come from the connector's options; `salmali` (the fiscal year) from the login reply. An empty sales
centre or intermediary code made Siagh's form script fail with a RUNTIME ERROR, so both are required
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.siagh.forms import (
    PRE_INVOICE_FORM,
    ctrl_values,
    form_body,
    grid_rows,
    new_document_parameters,
)
from erpsync_gui.connectors.siagh.options import PreInvoiceDefaults
from erpsync_gui.errors import MappingError

HEADER_TABLE = "sl_sanad"
#: header columns in the order of the requests seen
HEADER_ORDER = ("hssanadstate", "codenoeesanad", "codesalemodel", "salmali", "codenoeepardakht",
                "codemarkazforush", "codecontact", "codemoshtari", "codenoeeforush", "codevaseteh", "tozihat",
                "namenoesanad")
REQUIRED = ("codemoshtari", "codemarkazforush", "codevaseteh")
LINES = "lines"


def header_of(payload: Mapping[str, Any], defaults: PreInvoiceDefaults, fiscal_year: int | None) -> dict[str, Any]:
    """The header's values: the payload's, else the options', else the login's fiscal year."""
    header: dict[str, Any] = {k: v for k, v in defaults.model_dump().items() if v is not None}
    if fiscal_year is not None:
        header["salmali"] = fiscal_year
    header.update({k: v for k, v in payload.items() if k != LINES and v is not None})
    for column in REQUIRED:
        if header.get(column) in (None, ""):
            hint = ("map the quote's customer to it (a lookup of clients)" if column == "codemoshtari"
                    else f"set options.pre_invoice.{column} of the Siagh endpoint, or map it")
            raise MappingError(f"a Siagh pre-invoice needs {column}", field=column, hint=hint)
    if header.get("salmali") in (None, ""):
        raise MappingError("a Siagh pre-invoice needs salmali (the fiscal year)", field="salmali",
                           hint="the login reply gave none; map it")
    return header


def lines_of(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The line columns with the fixed ones filled in (row number, weight and volume 0, final quantity)."""
    raw = payload.get(LINES)
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise MappingError("a Siagh pre-invoice needs at least one line", field=LINES)
    lines = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise MappingError(f"line {number} of the pre-invoice is not an object", field=LINES)
        if item.get("codekala") in (None, ""):
            raise MappingError(f"line {number} of the pre-invoice has no product code (codekala)",
                               field=f"{LINES}[{number}].codekala")
        line = {"codekala": str(item["codekala"]), "nameunit": item.get("nameunit"), "qty": item.get("qty"),
                "mabtakhfif": item.get("mabtakhfif", 0), "vazn": item.get("vazn", "0"), "hajm": item.get("hajm", "0"),
                "price": item.get("price"), "radif": str(item.get("radif") or number),
                "finalqty": item.get("finalqty", item.get("qty")), "takhfif": item.get("takhfif"),
                "sumamelinc": item.get("sumamelinc"), "sumameldec": item.get("sumameldec")}
        line.update({k: v for k, v in item.items() if k not in line})
        lines.append(line)
    return lines


def request_body(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    ordered = [c for c in HEADER_ORDER if c in header] + [c for c in header if c not in HEADER_ORDER]
    ctrl = ctrl_values((f"{HEADER_TABLE}.{column}", header[column]) for column in ordered)
    return form_body(PRE_INVOICE_FORM, ctrl, new_document_parameters(),
                     grid_rows("dbgrid1", "sl_rizsanad", "coderiz", lines))
