"""Vouchers in the product's terms, both ways.

Tally names a voucher's party and each stock line's item by NAME, and writes a quantity and a rate with
their unit ("2 Nos", "100.00/Nos"); the product's lookups carry ids and its lines plain numbers. So a
voucher read gains
  party_id   the GUID of the ledger PARTYLEDGERNAME names (None when no client ledger has that name)
  total      what the party owes: its own ledger entry's amount, positive (else the stock lines' sum)
and each stock line (ALLINVENTORYENTRIES)
  item_id    the GUID of the stock item STOCKITEMNAME names
  quantity   the number of ACTUALQTY (BILLEDQTY when it has none), unit its unit; unit_rate the number of RATE;
and a receipt
  invoice_id the GUID of the sales invoice its party entry's first bill allocation names (BILLALLOCATIONS.LIST
             NAME: the invoice's VOUCHERNUMBER, which Tally's bill-wise details use as the bill's name).
Written, the same fields become Tally's: party_id -> PARTYLEDGERNAME, item_id -> STOCKITEMNAME, quantity ->
ACTUALQTY and BILLEDQTY and unit_rate -> RATE in the stock item's base unit, AMOUNT = quantity x rate when
none is given. A sales invoice is written in invoice mode: each stock line credited to the sales ledger
(ACCOUNTINGALLOCATIONS, ISDEEMEDPOSITIVE No, the amount positive) and the party debited with the lines' total
(a ledger entry with ISDEEMEDPOSITIVE Yes and ISPARTYLEDGER Yes, the amount negative), so that the voucher
balances; Tally refuses one that does not ("Voucher totals do not match!").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync_gui.connectors.tally.entities import Spec
from erpsync_gui.connectors.tally.masters import Masters
from erpsync_gui.connectors.tally.reply import amount
from erpsync_gui.errors import MappingError
from erpsync_gui.records import Record

#: what a read adds to a stock line, never sent as it is
LINE_FIELDS = ("item_id", "quantity", "unit", "unit_rate")
#: what a read adds to a voucher
VOUCHER_FIELDS = ("party_id", "total", "invoice_id")
BILLS = "BILLALLOCATIONS.LIST"
ALLOCATIONS = "ACCOUNTINGALLOCATIONS.LIST"
_QUANTITY = re.compile(r"^\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?|-?\.[0-9]+)\s*(.*?)\s*$")
_CENT = Decimal("0.01")


def quantity(text: Any) -> tuple[Decimal | None, str | None]:
    """("2 Nos" -> 2, "Nos"), (" 2.5 Kgs" -> 2.5, "Kgs"), ("3" -> 3, None); (None, None) when unreadable."""
    if text is None:
        return None, None
    match = _QUANTITY.match(str(text))
    if not match:
        return None, None
    try:
        number = Decimal(match[1].replace(",", ""))
    except InvalidOperation:
        return None, None
    return number, match[2] or None


def rate(text: Any) -> Decimal | None:
    """The number of a rate as Tally writes it ("100.00/Nos", "2.50/Kgs", "100"); None when unreadable."""
    if text is None or not str(text).strip():
        return None
    return amount(str(text).rsplit("/", 1)[0])


def _number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"{value!r} is not a number", field="quantity") from None


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def format_quantity(number: Decimal, unit: str | None) -> str:
    return f"{_plain(number)} {unit}" if unit else _plain(number)


def format_rate(number: Decimal, unit: str | None) -> str:
    shown = f"{number:.2f}" if number == number.quantize(_CENT) else _plain(number)
    return f"{shown}/{unit}" if unit else shown


# -- reading -----------------------------------------------------------------------------------------------

def inventory(spec: Spec) -> bool:
    """The voucher's `lines` are stock lines (sales invoices and orders; a receipt's are ledger entries)."""
    return spec.lists.get("lines") == "ALLINVENTORYENTRIES.LIST"


def prefetch(spec: Spec, datas: Sequence[Mapping[str, Any]], masters: Masters) -> None:
    """Read every party ledger and stock item these vouchers name, in batches, before they are read one by one."""
    masters.load_names("clients", [d.get("PARTYLEDGERNAME") for d in datas])
    if spec.name == "payments":
        masters.load_names("invoices", [_bill(d) for d in datas])
    if inventory(spec):
        masters.load_names("products", [line.get("STOCKITEMNAME") for d in datas for line in d.get("lines") or ()])


def read(spec: Spec, data: dict[str, Any], masters: Masters) -> dict[str, Any]:
    """One exported voucher's data with the product's fields (the module docstring) added."""
    party = masters.named("clients", data.get("PARTYLEDGERNAME"))
    data["party_id"] = party.id if party is not None else None
    if inventory(spec):
        for line in data.get("lines") or ():
            item = masters.named("products", line.get("STOCKITEMNAME"))
            line["item_id"] = item.id if item is not None else None
            line["quantity"], line["unit"] = quantity(line.get("ACTUALQTY") or line.get("BILLEDQTY"))
            line["unit_rate"] = rate(line.get("RATE"))
    if spec.name == "payments":
        invoice = masters.named("invoices", _bill(data))
        data["invoice_id"] = invoice.id if invoice is not None else None
    data["total"] = _total(data)
    return data


def _party_entries(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    party = str(data.get("PARTYLEDGERNAME") or "").casefold()
    entries = data.get("ledger_entries") if "ledger_entries" in data else data.get("lines")
    return [e for e in entries or () if party and str(e.get("LEDGERNAME") or "").casefold() == party]


def _bill(data: Mapping[str, Any]) -> str | None:
    """The name of the first bill the party's entries are allocated to (a receipt's invoice)."""
    for entry in _party_entries(data):
        for bill in entry.get(BILLS) or ():
            if str(bill.get("NAME") or "").strip():
                return str(bill["NAME"]).strip()
    return None


def _total(data: Mapping[str, Any]) -> Decimal | None:
    for entry in _party_entries(data):
        if isinstance(entry.get("AMOUNT"), Decimal):
            return abs(entry["AMOUNT"])
    amounts = [line["AMOUNT"] for line in data.get("lines") or () if isinstance(line.get("AMOUNT"), Decimal)]
    return sum(amounts, Decimal("0")) if amounts else None


# -- writing -----------------------------------------------------------------------------------------------

def write(spec: Spec, payload: Mapping[str, Any], masters: Masters, sales_ledger: str,
          current: Record | None = None) -> dict[str, Any]:
    """Tally's fields for a voucher payload in the product's terms (the module docstring); Tally's own tags in
    it are kept as they are."""
    fields = {k: v for k, v in payload.items() if k not in VOUCHER_FIELDS}
    if payload.get("party_id") not in (None, ""):
        party = masters.with_id("clients", payload["party_id"])
        if party is None:
            raise MappingError(f"the client ledger {payload['party_id']} is not in Tally", field="party_id")
        fields["PARTYLEDGERNAME"] = party.data.get("NAME")
    if not inventory(spec) or fields.get("lines") is None:
        return _moved(fields, current)
    posts = spec.name == "invoices"
    lines = [_line(line, number, masters, sales_ledger if posts else None)
             for number, line in enumerate(fields["lines"], start=1)]
    fields["lines"] = lines
    party_name = fields.get("PARTYLEDGERNAME") or (current.data.get("PARTYLEDGERNAME") if current else None)
    amounts = [line["AMOUNT"] for line in lines if isinstance(line.get("AMOUNT"), Decimal)]
    if posts and party_name and amounts and "ledger_entries" not in fields:
        fields["ledger_entries"] = [{"LEDGERNAME": party_name, "ISDEEMEDPOSITIVE": "Yes", "ISPARTYLEDGER": "Yes",
                                     "AMOUNT": -sum(amounts, Decimal("0"))}]
    return fields


def _moved(fields: dict[str, Any], current: Record | None) -> dict[str, Any]:
    """An altered voucher's party without its lines (a merge sends only the fields it changes): the party's own
    ledger entries move to the new party too, or the voucher would debit one ledger and name another."""
    old = str(current.data.get("PARTYLEDGERNAME") or "") if current is not None else ""
    new = fields.get("PARTYLEDGERNAME")
    if current is None or not new or not old or str(new).casefold() == old.casefold() or "ledger_entries" in fields:
        return fields
    entries = current.data.get("ledger_entries")
    if not entries:
        return fields
    fields["ledger_entries"] = [{**e, "LEDGERNAME": new} if str(e.get("LEDGERNAME") or "").casefold() == old.casefold()
                                else dict(e) for e in entries]
    return fields


def _line(line: Mapping[str, Any], number: int, masters: Masters, ledger: str | None) -> dict[str, Any]:
    out = {k: v for k, v in line.items() if k not in LINE_FIELDS}
    item_id = line.get("item_id")
    if item_id not in (None, ""):
        item = masters.with_id("products", item_id)
        if item is None:
            raise MappingError(f"line {number}: the stock item {item_id} is not in Tally", field="item_id")
        out["STOCKITEMNAME"] = item.data.get("NAME")
    else:
        item = masters.named("products", out.get("STOCKITEMNAME"))
    unit = (item.data.get("BASEUNITS") if item is not None else None) or line.get("unit") or None
    count = _number(line.get("quantity"))
    price = _number(line.get("unit_rate"))
    if count is not None:
        out["ACTUALQTY"] = out["BILLEDQTY"] = format_quantity(count, unit)
    if price is not None:
        out["RATE"] = format_rate(price, unit)
    if out.get("AMOUNT") in (None, "") and count is not None and price is not None:
        out["AMOUNT"] = (count * price).quantize(_CENT)
    elif out.get("AMOUNT") not in (None, ""):
        out["AMOUNT"] = _number(out["AMOUNT"])
    out.setdefault("ISDEEMEDPOSITIVE", "No")
    if ledger and isinstance(out.get("AMOUNT"), Decimal) and ALLOCATIONS not in out:
        out[ALLOCATIONS] = [{"LEDGERNAME": ledger, "ISDEEMEDPOSITIVE": "No", "AMOUNT": out["AMOUNT"]}]
    return out
