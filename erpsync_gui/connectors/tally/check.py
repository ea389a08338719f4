"""The Tally connection test: which companies are open, and whether the one to work in is among them."""

from __future__ import annotations

from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.connectors.check_kit import date_header, elapsed_ms
from erpsync_gui.connectors.tally.client import TallyClient
from erpsync_gui.connectors.tally.envelope import Collection
from erpsync_gui.errors import ConfigError, ConnectorError, PermanentError


def companies(tally: TallyClient, started: float, wanted: str | None) -> CheckResult:
    """The check's result from one export of the open companies."""
    try:
        root = tally.export(Collection("Company", ("Name", "GUID", "BooksFrom")), "companies")
    except ConfigError as exc:
        return CheckResult(False, True, False, elapsed_ms(started), str(exc))
    except ConnectorError as exc:
        if exc.status is None and not isinstance(exc, PermanentError):
            return CheckResult(False, False, False, None, f"Tally cannot be reached: {exc}")
        return CheckResult(False, True, False, elapsed_ms(started), f"Tally answered with an error: {exc}")
    latency = tally.http.last_latency_ms if tally.http.last_latency_ms is not None else elapsed_ms(started)
    names = [n.get("NAME") or (n.findtext("NAME") or "").strip() for n in root.iter("COMPANY")]
    names = [n for n in names if n]
    if not names:
        return CheckResult(False, True, False, latency, "Tally answers, but no company is open in it")
    if wanted and wanted.casefold() not in {n.casefold() for n in names}:
        return CheckResult(False, True, False, latency, f"the company {wanted!r} is not open in Tally "
                           f"(open: {', '.join(names)})")
    shown = wanted or names[0]
    return CheckResult(True, True, True, latency, f"Connected to Tally, company {shown!r}, in {latency:.0f} ms",
                       server=f"TallyPrime, company {shown}", server_time=date_header(tally.last_date),
                       details=tuple(f"open company: {n}" for n in names))
