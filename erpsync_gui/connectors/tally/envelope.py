"""Tally's XML request envelopes, built with lxml (values are always element text or attribute values,
escaped by the library; never pasted into markup).

Export (an inline TDL collection):
    ENVELOPE/HEADER {VERSION 1, TALLYREQUEST Export, TYPE Collection, ID <name>}
    ENVELOPE/BODY/DESC/STATICVARIABLES {SVEXPORTFORMAT $$SysName:XML, SVCURRENTCOMPANY, SVFROMDATE, SVTODATE}
    ENVELOPE/BODY/DESC/TDL/TDLMESSAGE/COLLECTION NAME=<name> {TYPE, CHILDOF, BELONGSTO, FETCH, FILTER}
                                  .../SYSTEM TYPE="Formulae" NAME=<filter> <formula>
Import:
    ENVELOPE/HEADER/TALLYREQUEST Import Data
    ENVELOPE/BODY/IMPORTDATA/REQUESTDESC {REPORTNAME All Masters | Vouchers, STATICVARIABLES/SVCURRENTCOMPANY}
    ENVELOPE/BODY/IMPORTDATA/REQUESTDATA/TALLYMESSAGE/<LEDGER NAME=.. ACTION="Create|Alter"> ...
(one TALLYMESSAGE per object, so the reply's line errors come in the objects' order).

TDL formulas need string literals: `tdl_string` accepts only values without a double quote, which TDL
has no documented escape for; callers fall back to filtering on their side for the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from erpsync_gui.errors import MappingError

COLLECTION = "ERPSyncCollection"
FILTER = "ERPSyncFilter"
_TAG = re.compile(r"^[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)*$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tally_date(day: date) -> str:
    """A date as Tally's static variables take it: d-MMM-yyyy."""
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def tdl_string(value: str) -> str | None:
    """`value` as a TDL string literal, or None when it cannot be written as one."""
    text = str(value)
    if '"' in text or any(ord(c) < 32 for c in text):
        return None
    return f'"{text}"'


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _bytes(root: etree._Element, encoding: str) -> bytes:
    text = etree.tostring(root, encoding="unicode")
    return text.encode("utf-16-le" if encoding == "utf-16" else "utf-8")


@dataclass(frozen=True)
class Collection:
    """What an export asks for."""

    type: str
    fetch: Sequence[str]
    formula: str | None = None
    childof: str | None = None
    from_date: date | None = None
    to_date: date | None = None


def export(collection: Collection, company: str | None, encoding: str) -> bytes:
    envelope = etree.Element("ENVELOPE")
    header = _sub(envelope, "HEADER")
    _sub(header, "VERSION", "1")
    _sub(header, "TALLYREQUEST", "Export")
    _sub(header, "TYPE", "Collection")
    _sub(header, "ID", COLLECTION)
    desc = _sub(_sub(envelope, "BODY"), "DESC")
    static = _sub(desc, "STATICVARIABLES")
    _sub(static, "SVEXPORTFORMAT", "$$SysName:XML")
    if company:
        _sub(static, "SVCURRENTCOMPANY", company)
    if collection.from_date:
        _sub(static, "SVFROMDATE", tally_date(collection.from_date))
    if collection.to_date:
        _sub(static, "SVTODATE", tally_date(collection.to_date))
    message = _sub(_sub(desc, "TDL"), "TDLMESSAGE")
    coll = _sub(message, "COLLECTION", NAME=COLLECTION, ISMODIFY="No")
    _sub(coll, "TYPE", collection.type)
    if collection.childof:
        _sub(coll, "CHILDOF", collection.childof)
        _sub(coll, "BELONGSTO", "Yes")
    _sub(coll, "FETCH", ", ".join(collection.fetch))
    if collection.formula:
        _sub(coll, "FILTER", FILTER)
        _sub(message, "SYSTEM", collection.formula, TYPE="Formulae", NAME=FILTER)
    return _bytes(envelope, encoding)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def _fill(node: etree._Element, fields: Mapping[str, Any], lists: Mapping[str, str]) -> None:
    """Child elements for a flat payload: scalars as <TAG>value</TAG>, list keys as repeated <X.LIST>
    elements (one per dict), as is a list of dicts under a tag ending in .LIST; text with line breaks under
    ADDRESS as an ADDRESS.LIST."""
    for name, value in fields.items():
        if value is None:
            continue
        if name in lists:
            for item in value or ():
                _fill(_sub(node, lists[name]), item, {})
            continue
        if not _TAG.match(name):
            raise MappingError(f"{name!r} is not a Tally field name", field=name)
        if name.endswith(".LIST") and isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value):
            for item in value:  # a list inside a line (a stock line's ACCOUNTINGALLOCATIONS.LIST)
                _fill(_sub(node, name), item, {})
            continue
        if isinstance(value, list | tuple | dict):
            raise MappingError(f"{name} holds a {type(value).__name__}; Tally takes text there", field=name)
        if name == "ADDRESS":
            holder = _sub(node, "ADDRESS.LIST", TYPE="String")
            for line in str(value).splitlines():
                _sub(holder, "ADDRESS", line)
        else:
            _sub(node, name, _value(value))


@dataclass(frozen=True)
class ImportObject:
    """One master or voucher to import: its element, attributes and fields."""

    tag: str
    attributes: Mapping[str, str]
    fields: Mapping[str, Any]
    #: list keys of `fields` and the element each item becomes (lines -> ALLINVENTORYENTRIES.LIST)
    lists: Mapping[str, str]


def import_data(report: str, objects: Sequence[ImportObject], company: str | None, encoding: str) -> bytes:
    envelope = etree.Element("ENVELOPE")
    _sub(_sub(envelope, "HEADER"), "TALLYREQUEST", "Import Data")
    data = _sub(_sub(envelope, "BODY"), "IMPORTDATA")
    desc = _sub(data, "REQUESTDESC")
    _sub(desc, "REPORTNAME", report)
    if company:
        _sub(_sub(desc, "STATICVARIABLES"), "SVCURRENTCOMPANY", company)
    request = _sub(data, "REQUESTDATA")
    for obj in objects:
        message = etree.SubElement(request, "TALLYMESSAGE", nsmap={"UDF": "TallyUDF"})
        _fill(_sub(message, obj.tag, **dict(obj.attributes)), obj.fields, obj.lists)
    return _bytes(envelope, encoding)
