"""Tally's masters and vouchers the connector offers, under the product's entity names, and the flat
record shape each has.

Record data keeps Tally's own tag names (NAME, PARENT, GUID, MASTERID, ALTERID, EMAIL, LEDGERPHONE,
PARTYGSTIN, DATE, VOUCHERNUMBER, PARTYLEDGERNAME ...), flat:
- amounts (OPENINGBALANCE of a ledger, AMOUNT, OPENINGVALUE ...) are Decimals, a debit negative as in
  Tally's XML ("1500.00 Dr" reads as -1500.00); quantities and rates stay text ("10 Nos", "25.00/Nos");
- dates are "YYYY-MM-DD" (Tally writes YYYYMMDD); MASTERID and ALTERID are whole numbers;
- an address (ADDRESS.LIST) is one text with a line per address line, under ADDRESS;
- a voucher's inventory entries are a list of flat dicts under `lines` (STOCKITEMNAME, ACTUALQTY,
  BILLEDQTY, RATE, AMOUNT ...) and its ledger entries one under `ledger_entries` (LEDGERNAME, AMOUNT,
  ISDEEMEDPOSITIVE ...); a receipt's ledger entries are its `lines`; a list inside an entry (a ledger
  entry's BILLALLOCATIONS.LIST, a stock line's ACCOUNTINGALLOCATIONS.LIST) is a list of flat dicts under its tag.
The record id is the GUID, the version the ALTERID. Masters match by NAME.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from erpsync_gui.connectors.tally.reply import amount, iso_date

READ_ONLY = frozenset({"GUID", "MASTERID", "ALTERID"})
_INVENTORY = ("ALLINVENTORYENTRIES.LIST", "INVENTORYENTRIES.LIST")
_LEDGERS = ("ALLLEDGERENTRIES.LIST", "LEDGERENTRIES.LIST")
_COMMON = ("GUID", "MasterID", "AlterID")


@dataclass(frozen=True)
class Spec:
    name: str
    #: the object's XML tag and its TDL collection type
    tag: str
    type: str
    #: TDL method names to fetch
    fetch: tuple[str, ...]
    natural_keys: tuple[str, ...]
    #: tags read as amounts
    amounts: frozenset[str] = frozenset()
    #: the option naming the voucher type (vouchers only)
    voucher_type: str | None = None
    #: record list key -> the tag its items are written as; and the tags read into it
    lists: Mapping[str, str] = field(default_factory=dict)
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: clients are the ledgers under the debtors group
    under_debtors: bool = False

    @property
    def voucher(self) -> bool:
        return self.voucher_type is not None

    @property
    def report(self) -> str:
        return "Vouchers" if self.voucher else "All Masters"


_VOUCHER_FETCH = (*_COMMON, "Date", "VoucherTypeName", "VoucherNumber", "PartyLedgerName", "Reference",
                  "Narration", "IsCancelled", "AllInventoryEntries", "AllLedgerEntries")
_VOUCHER_AMOUNTS = frozenset({"AMOUNT"})

SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("clients", "LEDGER", "Ledger",
         (*_COMMON, "Name", "Parent", "Email", "LedgerPhone", "LedgerMobile", "LedgerContact", "Address",
          "LedStateName", "CountryName", "PinCode", "PartyGSTIN", "IncomeTaxNumber", "OpeningBalance"),
         ("NAME", "PARTYGSTIN", "EMAIL"), amounts=frozenset({"OPENINGBALANCE"}), under_debtors=True),
    Spec("products", "STOCKITEM", "StockItem",
         (*_COMMON, "Name", "Parent", "Category", "BaseUnits", "Description", "OpeningBalance", "OpeningRate",
          "OpeningValue"),
         ("NAME",), amounts=frozenset({"OPENINGVALUE"})),
    Spec("product_groups", "STOCKGROUP", "StockGroup", (*_COMMON, "Name", "Parent"), ("NAME",)),
    Spec("units", "UNIT", "Unit", (*_COMMON, "Name", "OriginalName", "IsSimpleUnit", "DecimalPlaces"), ("NAME",)),
    Spec("warehouses", "GODOWN", "Godown", (*_COMMON, "Name", "Parent"), ("NAME",)),
    Spec("invoices", "VOUCHER", "Voucher", _VOUCHER_FETCH, ("VOUCHERNUMBER", "REFERENCE"), _VOUCHER_AMOUNTS,
         "sales_type", {"lines": "ALLINVENTORYENTRIES.LIST", "ledger_entries": "LEDGERENTRIES.LIST"},
         {"lines": _INVENTORY, "ledger_entries": _LEDGERS}),
    Spec("orders", "VOUCHER", "Voucher", _VOUCHER_FETCH, ("VOUCHERNUMBER", "REFERENCE"), _VOUCHER_AMOUNTS,
         "sales_order_type", {"lines": "ALLINVENTORYENTRIES.LIST", "ledger_entries": "LEDGERENTRIES.LIST"},
         {"lines": _INVENTORY, "ledger_entries": _LEDGERS}),
    Spec("payments", "VOUCHER", "Voucher", _VOUCHER_FETCH, ("VOUCHERNUMBER", "REFERENCE"), _VOUCHER_AMOUNTS,
         "receipt_type", {"lines": "LEDGERENTRIES.LIST"}, {"lines": _LEDGERS}),
)}


def _text(node: etree._Element) -> str:
    return (node.text or "").strip()


def _scalar(spec: Spec, tag: str, text: str) -> Any:
    if tag in spec.amounts:
        return amount(text)
    if tag in ("MASTERID", "ALTERID"):
        return int(text) if text.isdigit() else None
    if tag == "DATE":
        return iso_date(text)
    return text


def _entry(spec: Spec, node: etree._Element) -> dict[str, Any]:
    """One list entry: its scalars, and the lists inside it (a ledger entry's BILLALLOCATIONS.LIST) as lists."""
    entry: dict[str, Any] = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue
        if child.tag.endswith(".LIST") and len(child):
            entry.setdefault(child.tag, []).append(_entry(spec, child))
        elif len(child) == 0:
            entry[child.tag] = _scalar(spec, child.tag, _text(child))
    return entry


def to_data(spec: Spec, node: etree._Element) -> dict[str, Any]:
    """The flat record data of one exported object."""
    data: dict[str, Any] = {}
    name = node.get("NAME")
    if name:
        data["NAME"] = name.strip()
    list_of = {tag: ours for ours, tags in spec.reads.items() for tag in tags}
    for key in spec.reads:
        data[key] = []
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in list_of:
            data[list_of[tag]].append(_entry(spec, child))
        elif tag == "ADDRESS.LIST":
            data["ADDRESS"] = "\n".join(_text(a) for a in child if _text(a))
        elif tag in ("NAME.LIST", "LANGUAGENAME.LIST"):
            first = next((n for n in child.iter("NAME") if _text(n)), None)
            if first is not None:
                data.setdefault("NAME", _text(first))
        elif tag and len(child) == 0:
            data[tag] = _scalar(spec, tag, _text(child))
    return data


def writable(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload without the fields Tally sets itself."""
    return {k: v for k, v in payload.items() if k not in READ_ONLY}
