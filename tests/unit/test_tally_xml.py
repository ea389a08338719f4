"""Tally's XML helpers: envelopes built with lxml, replies read through their quirks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from erpsync_gui.connectors.tally import envelope, reply
from erpsync_gui.connectors.tally.entities import SPECS, to_data
from erpsync_gui.errors import MappingError


@pytest.mark.parametrize(("text", "expected"), [
    ("-1500.00", Decimal("-1500.00")), ("1500.00 Dr", Decimal("-1500.00")), ("1,500.00 Cr", Decimal("1500.00")),
    ("-1500.00 Cr", Decimal("1500.00")), ("$20 @ 75/$ = INR 1500", Decimal("1500")),
    ("$20 @ 75/$ = -1500.00", Decimal("-1500.00")), ("₹ 2,50,000.00 Dr", Decimal("-250000.00")),
    ("", None), (None, None), ("n/a", None)])
def test_amounts_with_signs(text: str | None, expected: Decimal | None) -> None:
    assert reply.amount(text) == expected


def test_a_utf16_reply_with_a_utf8_declaration_and_control_references() -> None:
    text = ('<?xml version="1.0" encoding="UTF-8"?><ENVELOPE><BODY><DATA><COLLECTION>'
            '<GROUP NAME="Sundry Debtors"><PARENT>&#4; Primary</PARENT><NOTE>a\x07b&#x1F;c</NOTE></GROUP>'
            '</COLLECTION></DATA></BODY></ENVELOPE>')
    root = reply.parse(text.encode("utf-16-le"), "text/xml")
    group = reply.objects(root, "GROUP")[0]
    assert group.findtext("PARENT") == "Primary" and group.findtext("NOTE") == "abc"
    assert reply.parse(b"\xff\xfe" + "<R>ok</R>".encode("utf-16-le")).text == "ok"  # with a BOM
    assert reply.parse("<R>é</R>".encode(), "text/xml; charset=utf-8").text == "é"


def test_entities_are_not_expanded() -> None:
    hostile = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><R>&x;</R>'
    root = reply.parse(hostile)
    assert "root:" not in (etree.tostring(root).decode())
    with pytest.raises(reply.ReplyError):
        reply.parse(b"   ")
    with pytest.raises(reply.ReplyError):
        reply.parse(b"<R><unclosed></R>")


def test_import_counters_in_both_reply_forms() -> None:
    envelope_form = (b"<ENVELOPE><HEADER><VERSION>1</VERSION><STATUS>1</STATUS></HEADER><BODY><DATA>"
                     b"<LINEERROR>Parent group 'X' does not exist</LINEERROR><IMPORTRESULT><CREATED>2</CREATED>"
                     b"<ALTERED>1</ALTERED><ERRORS>1</ERRORS><LASTVCHID>0</LASTVCHID><LASTMID>41</LASTMID>"
                     b"</IMPORTRESULT></DATA></BODY></ENVELOPE>")
    result = reply.import_result(reply.parse(envelope_form))
    assert (result.created, result.altered, result.errors, result.last_master_id) == (2, 1, 1, 41)
    assert result.last_voucher_id is None and result.line_errors == ("Parent group 'X' does not exist",)
    bare = (b"<RESPONSE><CREATED>0</CREATED><ALTERED>0</ALTERED><DELETED>0</DELETED><LASTVCHID>0</LASTVCHID>"
            b"<LASTMID>0</LASTMID><COMBINED>0</COMBINED><IGNORED>0</IGNORED><ERRORS>0</ERRORS>"
            b"<CANCELLED>0</CANCELLED><EXCEPTIONS>17</EXCEPTIONS></RESPONSE>")
    assert reply.import_result(reply.parse(bare)).exceptions == 17
    with pytest.raises(reply.ReplyError):
        reply.import_result(reply.parse(b"<ENVELOPE><BODY/></ENVELOPE>"))


def test_user_values_are_escaped_by_the_xml_library() -> None:
    nasty = 'A & B <"Traders"> </NAME><LEDGER ACTION="Delete">'
    fields = {"NAME": nasty, "PARENT": "Sundry Debtors", "ADDRESS": "line 1\nline 2",
              "OPENINGBALANCE": Decimal("-5.10")}
    body = envelope.import_data("All Masters", [envelope.ImportObject("LEDGER", {"NAME": nasty, "ACTION": "Create"},
                                                                      fields, {})], "Krishna & Sons", "utf-16")
    root = etree.fromstring(body.decode("utf-16-le").encode())
    ledgers = list(root.iter("LEDGER"))
    assert len(ledgers) == 1 and ledgers[0].get("NAME") == nasty and ledgers[0].findtext("NAME") == nasty
    assert [a.text for a in ledgers[0].iter("ADDRESS")] == ["line 1", "line 2"]
    assert ledgers[0].findtext("OPENINGBALANCE") == "-5.10"
    assert root.findtext("BODY/IMPORTDATA/REQUESTDESC/STATICVARIABLES/SVCURRENTCOMPANY") == "Krishna & Sons"
    with pytest.raises(MappingError):
        envelope.import_data("All Masters", [envelope.ImportObject("LEDGER", {}, {"bad name": "x"}, {})], None,
                             "utf-8")


def test_an_export_carries_the_collection_and_its_formula() -> None:
    body = envelope.export(envelope.Collection("Voucher", ("GUID", "Date"), '$AlterID > 7', None,
                                               date(2026, 4, 1), date(2026, 4, 30)), None, "utf-8")
    root = etree.fromstring(body)
    assert root.findtext("HEADER/TYPE") == "Collection" and root.findtext("HEADER/ID") == envelope.COLLECTION
    assert root.findtext("BODY/DESC/STATICVARIABLES/SVFROMDATE") == "1-Apr-2026"
    assert root.find("BODY/DESC/STATICVARIABLES/SVCURRENTCOMPANY") is None  # the active company
    assert next(root.iter("SYSTEM")).text == "$AlterID > 7" and b"$AlterID &gt; 7" in body
    assert envelope.tdl_string('say "hi"') is None and envelope.tdl_string("A & B") == '"A & B"'


def test_an_exported_voucher_becomes_a_flat_record_with_lines() -> None:
    node = etree.fromstring(
        b'<VOUCHER><GUID>g-1</GUID><ALTERID TYPE="Number">12</ALTERID><DATE TYPE="Date">20260105</DATE>'
        b"<ALLINVENTORYENTRIES.LIST><STOCKITEMNAME>Bolt</STOCKITEMNAME><AMOUNT>25.00</AMOUNT>"
        b"<BATCHALLOCATIONS.LIST><GODOWNNAME>Main</GODOWNNAME></BATCHALLOCATIONS.LIST></ALLINVENTORYENTRIES.LIST>"
        b"<LEDGERENTRIES.LIST><LEDGERNAME>C1</LEDGERNAME><AMOUNT>25.00 Dr</AMOUNT></LEDGERENTRIES.LIST></VOUCHER>")
    data = to_data(SPECS["invoices"], node)
    # a list inside an entry (the line's batch allocations) is kept under its tag, flat
    assert data == {"lines": [{"STOCKITEMNAME": "Bolt", "AMOUNT": Decimal("25.00"),
                               "BATCHALLOCATIONS.LIST": [{"GODOWNNAME": "Main"}]}],
                    "ledger_entries": [{"LEDGERNAME": "C1", "AMOUNT": Decimal("-25.00")}],
                    "GUID": "g-1", "ALTERID": 12, "DATE": "2026-01-05"}
