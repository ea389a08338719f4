"""The Service Layer's OData, batch and error helpers, on the forms SAP's guides show."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from erpsync_gui.connectors.sap_b1 import batch, odata
from erpsync_gui.connectors.sap_b1.client import service_root
from erpsync_gui.connectors.sap_b1.entities import SPECS, flat, native
from erpsync_gui.connectors.sap_b1.errors import error_for, parse_error
from erpsync_gui.errors import ConfigError, NotFoundError, PermanentError, StaleVersionError


def test_literals_quote_strings_and_keep_numbers_bare() -> None:
    assert odata.literal("O'Brien") == "'O''Brien'"
    assert odata.literal("22", numeric=True) == "22"
    with pytest.raises(ValueError):
        odata.literal("22 or 1 eq 1", numeric=True)
    assert odata.key_path("BusinessPartners", "C'1", False) == "BusinessPartners('C''1')"
    assert odata.any_of("DocNum", [1, 2], numeric=True) == "DocNum eq 1 or DocNum eq 2"
    assert odata.both("A eq 1", None, "B eq 2 or C eq 3") == "(A eq 1) and (B eq 2 or C eq 3)"


@pytest.mark.parametrize(("raw", "expected"), [
    ("13:15:34", "13:15:34"), ("9:05", "09:05:00"), (131534, "13:15:34"), (1315, "13:15:00"),
    ("2014-06-18T18:38:00Z", "18:38:00"), ("25:00:00", None), (None, None), (True, None)])
def test_update_time_forms(raw: object, expected: str | None) -> None:
    assert odata.normal_time(raw) == expected


def test_a_stamp_is_read_in_the_servers_time_zone() -> None:
    stamp = odata.stamp_of({"UpdateDate": "2026-07-01", "UpdateTime": "12:00:00"}, "C1")
    assert odata.local_moment(stamp, ZoneInfo("Asia/Kolkata")) == datetime.datetime(
        2026, 7, 1, 6, 30, tzinfo=datetime.UTC)
    assert odata.stamp_of({"UpdateDate": None}, "C1") is None


def test_the_cursor_round_trips_and_its_filter_is_inclusive() -> None:
    stamp = odata.Stamp("2026-03-02", "10:00:05", "C9")
    assert odata.decode_cursor(odata.encode_cursor(stamp)) == stamp
    assert odata.since_filter(stamp) == ("UpdateDate gt '2026-03-02' or (UpdateDate eq '2026-03-02' and "
                                         "UpdateTime ge '10:00:05')")
    assert odata.after_cursor(odata.Stamp("2026-03-02", "10:00:05", "A1"), stamp)  # same second, smaller key
    assert not odata.after_cursor(odata.Stamp("2026-03-02", "10:00:04", "Z9"), stamp)
    with pytest.raises(ConfigError, match="cursor"):
        odata.decode_cursor("2026-03-02T10:00:05")


@pytest.mark.parametrize(("url", "version", "root"), [
    ("https://b1:50000/b1s/v1", None, ("v1", "https://b1:50000/b1s/v1/")),
    ("https://b1:50000/", None, ("v2", "https://b1:50000/b1s/v2/")),
    ("https://b1:50000", "v1", ("v1", "https://b1:50000/b1s/v1/"))])
def test_service_root(url: str, version: str | None, root: tuple[str, str]) -> None:
    assert service_root(url, version) == root


def test_a_url_and_version_that_disagree_are_refused() -> None:
    with pytest.raises(ConfigError, match="v1"):
        service_root("https://b1:50000/b1s/v1/", "v2")


def test_error_bodies_of_both_versions() -> None:
    v1 = b'{"error":{"code":-10,"message":{"lang":"en-us","value":"Item code \'i002\' already exists"}}}'
    v2 = b'{"error":{"code":"-2028","details":[{"code":"","message":""}],"message":"No matching records found"}}'
    stale = b'{"error":{"code":"-2039","message":"Another user or another operation modified data"}}'
    assert parse_error(v1).code == "-10" and parse_error(v1).message == "Item code 'i002' already exists"
    assert parse_error(v2).message == "No matching records found"
    first = error_for(400, v1, "the create of products")
    assert type(first) is PermanentError and "Item code 'i002' already exists (code -10)" in str(first)
    assert isinstance(error_for(404, v2, "x"), NotFoundError)
    assert isinstance(error_for(412, stale, "x"), StaleVersionError)
    assert parse_error(b"<html>proxy error</html>").message is None


def test_a_changeset_request_numbers_its_parts() -> None:
    content_type, body = batch.build([batch.SubRequest("POST", "/b1s/v2/Items", {"ItemCode": "i1"}),
                                      batch.SubRequest("POST", "/b1s/v2/Items", {"ItemCode": "i2"})])
    boundary = batch.boundary_of(content_type)
    text = body.decode()
    assert text.startswith(f"--{boundary}\r\n") and text.rstrip().endswith(f"--{boundary}--")
    assert "Content-ID: 1\r\n\r\nPOST /b1s/v2/Items HTTP/1.1\r\n" in text and "Content-ID: 2" in text
    assert '{"ItemCode":"i2"}' in text


def test_a_successful_changeset_reply_with_content_ids_before_the_status_line() -> None:
    body = (b"--batchresponse_X\r\nContent-Type: multipart/mixed; boundary=changesetresponse_X\r\n\r\n"
            b"--changesetresponse_X\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
            b"Content-ID: 2\r\n\r\nHTTP/1.1 201 Created\r\nContent-Type: application/json\r\nETag: W/\"B\"\r\n\r\n"
            b'{"ItemCode":"i2"}\r\n'
            b"--changesetresponse_X\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
            b"Content-ID: 1\r\n\r\nHTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\n\r\n\r\n"
            b"--changesetresponse_X--\r\n--batchresponse_X--\r\n")
    reply = batch.parse("multipart/mixed;boundary=batchresponse_X", body)
    assert not reply.failed
    assert [(p.content_id, p.status) for p in reply.parts] == [("2", 201), ("1", 204)]
    assert reply.parts[0].json() == {"ItemCode": "i2"} and reply.parts[0].headers["etag"] == 'W/"B"'


def test_a_failed_changeset_is_one_plain_part() -> None:
    body = (b"--batchresponse_x\nContent-Type: application/http\nContent-Transfer-Encoding: binary\n\n"
            b"HTTP/1.1 400 Bad Request\nContent-Type: application/json;charset=utf-8\n\n"
            b'{"error":{"code":-10,"message":{"lang":"en-us","value":"Item code \'i002\' already exists"}}}\n'
            b"--batchresponse_x--\n")
    reply = batch.parse('multipart/mixed; boundary="batchresponse_x"', body)
    assert reply.failed and reply.parts[0].status == 400
    assert parse_error(reply.parts[0].body).message == "Item code 'i002' already exists"
    with pytest.raises(batch.BatchFormatError):
        batch.parse("application/json", b"{}")


def test_flat_records_and_back() -> None:
    spec = SPECS["products"]
    raw = {"odata.etag": 'W/"1"', "ItemCode": "I1", "ItemPrices": [
        {"PriceList": 1, "Price": 2.5, "Currency": "EUR"}, {"PriceList": 2, "Price": None}]}
    data = flat(spec, raw)
    assert data == {"ItemCode": "I1", "Price_1": 2.5, "Currency_1": "EUR"}
    assert native(spec, data) == {"ItemCode": "I1", "ItemPrices": [{"PriceList": 1, "Price": 2.5, "Currency": "EUR"}]}
    order = flat(SPECS["orders"], {"DocEntry": 1, "DocumentLines": [{"LineNum": 0, "ItemCode": "A"}]})
    assert order == {"DocEntry": 1, "lines": [{"LineNum": 0, "ItemCode": "A"}]}
    assert native(SPECS["orders"], order)["DocumentLines"] == [{"LineNum": 0, "ItemCode": "A"}]
