"""Reading a reply's JSON: orjson reads it where it can, and whatever orjson refuses is read (or refused, with
the reason) exactly as the standard library reads it, so the replies accepted and the errors are unchanged."""

from __future__ import annotations

import json

import httpx
import pytest

from erpsync_gui.errors import MalformedReplyError
from erpsync_gui.http.json_reply import decode_json


def _reply(body: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": content_type},
                          request=httpx.Request("GET", "https://erp.example/api/clients?token=k"))


@pytest.mark.parametrize("body", [
    b'{"data": [{"id": 1, "company": "Acme \\u00e9", "vat": null, "price": 12.5, "tags": ["a"]}]}',
    '{"data": [{"company": "Ñandú SRL"}], "meta": {"next_cursor": "x"}}'.encode(),
    b'{"id": 1, "id": 2}',  # a repeated key: the last one
    b'{"total": NaN}',  # not JSON, but the standard library reads it: still read
    b'{"big": 123456789012345678901234567890}',  # beyond 64 bits: read exactly
    b'{"id": -9223372036854775809, "n": 18446744073709551616}',  # just beyond: read exactly too
    b'{"id": 9223372036854775807, "ok": "1234567890123456789012"}',  # the longest int orjson keeps
    '{"data": []}'.encode("utf-16"),  # UTF-16 with its byte order mark
    b"  [1, 2.0, -0.5e3, true, false, null]\n",
])
def test_what_the_standard_library_reads_reads_the_same(body: bytes) -> None:
    got = decode_json(_reply(body), "the ERP", "clients")
    expected = json.loads(body)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert type(got) is type(expected)


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"data": [', "not JSON (it may be cut off)"),
    (b"<html>login</html>", "not JSON (it may be cut off)"),
    (b"", "not JSON (it may be cut off)"),
    (b'{"company": "\xff\xfe\xfa"}', "not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deep to be read"),
])
def test_what_cannot_be_read_is_a_malformed_reply_saying_why(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedReplyError) as caught:
        decode_json(_reply(body), "the ERP", "clients")
    message = str(caught.value)
    assert message.startswith(f"malformed reply from the ERP for clients at https://erp.example/api/clients: {reason}")
    assert "token=k" not in message  # the query (which may carry a key) is not shown


def test_an_empty_body_can_be_allowed() -> None:
    assert decode_json(_reply(b"  "), "the ERP", "the delete", empty=None) is None
