"""The Tryton connector's pure parts, without a server: Tryton's encoded values, its error replies, the
feed's cursor, the options and the endpoint URL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from erpsync_gui.connectors.tryton import codec
from erpsync_gui.connectors.tryton.connector import split_url
from erpsync_gui.connectors.tryton.errors import rpc_error
from erpsync_gui.connectors.tryton.feed import Key, format_cursor, keyset, parse_cursor
from erpsync_gui.connectors.tryton.models import format_version, parse_version
from erpsync_gui.connectors.tryton.options import TrytonOptions
from erpsync_gui.errors import AuthError, ConfigError, MappingError, PermanentError, StaleVersionError


def test_values_travel_in_trytons_class_encoding():
    value = {"when": dt.datetime(2026, 3, 1, 12, 30, 5, 250, tzinfo=dt.timezone(dt.timedelta(hours=2))),
             "day": dt.date(2026, 3, 1), "at": dt.time(9, 15, 0, 7), "for": dt.timedelta(seconds=90),
             "price": Decimal("12.340"), "file": b"\x00\x01binary", "tags": {"a"}}
    sent = codec.decode(codec.encode(value))

    raw = json.loads(codec.encode(value))
    assert raw["when"] == {"__class__": "datetime", "year": 2026, "month": 3, "day": 1, "hour": 10, "minute": 30,
                           "second": 5, "microsecond": 250}  # sent as UTC
    assert raw["price"] == {"__class__": "Decimal", "decimal": "12.340"}
    assert raw["file"]["__class__"] == "bytes"
    assert sent["when"] == dt.datetime(2026, 3, 1, 10, 30, 5, 250, tzinfo=dt.UTC)
    assert (sent["day"], sent["at"]) == (dt.date(2026, 3, 1), dt.time(9, 15, 0, 7))
    assert sent["for"] == dt.timedelta(seconds=90)
    assert sent["price"] == Decimal("12.340") and isinstance(sent["price"], Decimal)
    assert sent["file"] == b"\x00\x01binary" and sent["tags"] == ["a"]


def test_a_value_without_a_tryton_form_is_a_mapping_error():
    with pytest.raises(MappingError):
        codec.encode({"x": object()})
    with pytest.raises(ValueError):
        codec.decode('{"__class__": "Decimal", "decimal": "not a number"}')


@pytest.mark.parametrize(("error", "kind", "text"), [
    (["UserError", ["The code must be unique.", "Pick another.", None]], PermanentError, "The code must be unique."),
    (["UserWarning", ["sale_quote_1", "The sale has no lines.", ""]], PermanentError, "The sale has no lines."),
    (["ConcurrencyException", "Records were modified in the meanwhile"], StaleVersionError, "changed in Tryton"),
    (["LoginException", ["totp", "Enter your code", "char"]], AuthError, "Enter your code"),
    (["'no_such_field'", "Traceback ..."], PermanentError, "no_such_field"),
    ([], PermanentError, "did not describe"),
])
def test_rpc_errors_become_typed_errors(error, kind, text):
    made = rpc_error(error, "the create of clients")
    assert type(made) is kind and text in str(made)


def test_a_cursor_keeps_each_streams_stamp_and_id_exactly():
    keys = {"party.party": Key(dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC), 42),
            "party.address": Key(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 7)}
    text = format_cursor(keys)
    assert '"party.party":["2026-01-02T03:04:05.678901",42]' in text
    assert parse_cursor(text) == keys
    bare = parse_cursor("2026-01-02T03:04:05")
    assert bare == {"*": Key(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), 0)}
    with pytest.raises(PermanentError):
        parse_cursor("page=3")
    with pytest.raises(PermanentError):
        parse_cursor('{"party.party": ["2026-01-01", "x"]}')


def test_the_keyset_bound_is_inclusive_only_when_asked():
    key = Key(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 5)
    assert keyset("last_modified_at", key, inclusive=True)[2][1] == ("id", ">=", 5)
    assert keyset("last_modified_at", key, inclusive=False)[2][1] == ("id", ">", 5)


def test_a_version_names_each_records_timestamp():
    text = format_version({"party.party,3": "1796.5", "party.address,9": "1795.1"})
    assert parse_version(text) == {"party.party,3": "1796.5", "party.address,9": "1795.1"}
    assert parse_version(None) == {}
    with pytest.raises(PermanentError):
        parse_version("7")


def test_options_are_typed_and_refuse_unknown_keys():
    options = TrytonOptions.from_endpoint({"database": "acme", "page_size": 500, "verify": False,
                                           "circuit_breaker": {"failures": 3}})
    assert (options.database, options.page_size, options.sale_state) == ("acme", 500, "quotation")
    with pytest.raises(ConfigError, match="page_sise"):
        TrytonOptions.from_endpoint({"page_sise": 10})
    with pytest.raises(ConfigError, match="page_size"):
        TrytonOptions.from_endpoint({"page_size": 0})
    with pytest.raises(ConfigError):
        TrytonOptions.from_endpoint({"sale_state": "shipped"})
    for name, field in TrytonOptions.model_fields.items():
        assert field.description, name


def test_the_database_comes_from_the_options_or_the_url():
    assert split_url("http://erp:8000/", "acme") == ("http://erp:8000/", "acme")
    assert split_url("http://erp:8000/acme/", None) == ("http://erp:8000/", "acme")
    assert split_url("http://erp:8000/acme/rpc/", None) == ("http://erp:8000/", "acme")
    with pytest.raises(ConfigError):
        split_url("http://erp:8000/", None)
    with pytest.raises(ConfigError):
        split_url("http://erp:8000/a/b/", None)
