"""A page's cursor is its largest updated_at text: a time read as a time (whatever its offset), text that is no
time after every time, the first of equal times; taken from the times `to_record` already read."""

from __future__ import annotations

import json

import httpx
import pytest

from erpsync_gui.connectors.rest_options import RestOptions
from erpsync_gui.connectors.rest_paging import read_page, time_key

URL = "https://erp.example/api/clients"


def _page(stamps: list) -> str | None:
    rows = [{"id": n, **({} if s is ... else {"updated_at": s})} for n, s in enumerate(stamps, start=1)]
    reply = httpx.Response(200, content=json.dumps({"data": rows}).encode(), request=httpx.Request("GET", URL))
    return read_page(lambda _query: reply, RestOptions(), "clients", []).max_updated


@pytest.mark.parametrize("stamps", [
    ["2026-01-01T10:00:00Z", "2026-01-01T12:00:00+02:00", "2026-01-01T09:59:59"],  # 12:00+02:00 is 10:00Z
    ["2026-01-02T00:00:00Z", "not a time", "2026-01-01T00:00:00Z"],
    ["zzz", "aaa"],
    [None, 5, ..., "2026-03-01T00:00:00Z", ""],
    ["2026-01-01T10:00:00+00:00", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00+01:00"],  # equal times: the first
    [None, ..., 7],
    [],
])
def test_the_newest_stamp_is_the_largest_time_as_before(stamps: list) -> None:
    texts = [s for s in stamps if isinstance(s, str)]
    expected = max(texts, default=None, key=time_key)
    assert _page(stamps) == expected


def test_equal_times_keep_the_first_text() -> None:
    assert _page(["2026-01-01T10:00:00+00:00", "2026-01-01T10:00:00Z"]) == "2026-01-01T10:00:00+00:00"
    assert _page(["2026-01-01T10:00:00Z", "2026-01-01T10:00:00+00:00"]) == "2026-01-01T10:00:00Z"
