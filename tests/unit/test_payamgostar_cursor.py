"""Payamgostar's lagging cursor and its .NET times, without a server."""

from __future__ import annotations

from erpsync_gui.connectors.payamgostar import cursor


def test_the_payamgostar_cursor_keeps_two_times_and_reads_dotnet_times():
    newest = cursor.local_time("2025-12-21T14:10:20.033")
    assert cursor.decode(cursor.encode(None, newest)) == (None, newest)
    assert cursor.decode("2025-12-21T14:06:17.173|2025-12-21T14:10:20.033")[0] < newest
    assert cursor.decode("an old cursor of another kind") == (None, None)
    assert cursor.local_time("2025-12-16T11:43:53.1385332+03:30").isoformat() == "2025-12-16T11:43:53.138533"
