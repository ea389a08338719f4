"""The generic REST ERP's connection test: reachable, signed in, the advanced entities' client token, and
whether the server honours the lookup filters (origin marker, customer number, code) that keep runs fast.

Each failure gets the words an admin acts on (which secret to set, that the URL is wrong) rather than the
HTTP layer's error; the check never raises (the caller turns a crash into a failed result).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.connectors.check_kit import date_header, elapsed_ms
from erpsync_gui.connectors.rest_paging import data_of, reply_json
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    CredentialsExpiredError,
    ERPSyncError,
    MissingClientTokenError,
    NotFoundError,
    PermanentError,
)
from erpsync_gui.http import HttpClient

if TYPE_CHECKING:
    from erpsync_gui.connectors.rest_erp import RestErpConnector

#: a connection test waits at most this long for one reply, and never retries
#: a filter value no record holds: a server that honours the filter answers it with no record
FILTER_PROBE = "erpsync-filter-check-0"


def check_connection(erp: RestErpConnector, http: HttpClient, started: float) -> CheckResult:
    """GET clients?per_page=1 (and units?per_page=1 with a client token) and say plainly what worked."""
    try:
        response = erp._request("GET", "clients", erp._path("clients"), http=http,
                                 params={"per_page": 1})
    except CredentialsExpiredError as exc:
        return CheckResult(False, True, False, elapsed_ms(started), f"{exc.message}; {exc.hint}")
    except AuthError as exc:
        if erp.endpoint.auth not in ("bearer", "api_key", "none"):
            return CheckResult(False, True, False, elapsed_ms(started), f"the ERP refused the login: {exc}")
        what = f"the ERP rejected the auth token ({exc.status})" if erp._token else "no auth token set"
        # the label a person sees in the window first, the keyring name for `erpsync secret set` after it
        return CheckResult(False, True, False, elapsed_ms(started),
                           f"{what}; check the access token ({erp.endpoint.side.value}.token)")
    except ConfigError as exc:
        return CheckResult(False, False, False, None, str(exc))
    except NotFoundError:
        return CheckResult(False, True, False, elapsed_ms(started),
                           "no ERP API at this URL; check the base URL")
    except ERPSyncError as exc:
        if getattr(exc, "status", None) is not None:  # it answered, with an error
            return CheckResult(False, True, False, elapsed_ms(started), f"The ERP answered with an error: {exc}")
        return CheckResult(False, False, False, None, f"The ERP cannot be reached: {exc}")
    latency = http.last_latency_ms if http.last_latency_ms is not None else elapsed_ms(started)
    server = response.headers.get("server")
    try:
        body = reply_json(response, "clients")
        data_of(body, response, "clients", erp.options.list_key)
    except PermanentError as exc:
        return CheckResult(False, True, False, latency, f"{exc.message}; check the base URL", server)
    message = f"Connected to the ERP in {latency:.0f} ms"
    filters = [(name, filter_ignored(erp, http, "clients", name)) for name in _probed(erp)]
    if erp._client_token:
        try:
            erp._request("GET", "units", erp._path("units"), http=http, params={"per_page": 1})
        except (AuthError, MissingClientTokenError) as exc:
            return CheckResult(False, True, True, latency, f"{message}, but {exc.message.lower()}"
                               "; check erp.client_token", server)
        message += "; the client token works"
        filters.append(("code", filter_ignored(erp, http, "units", "code")))
    else:
        message += "; no client token, so products, orders and the other advanced entities are off"
    details = ignored_filters_finding(erp, [name for name, ignored in filters if ignored], _total(body))
    if details:
        # said in the verdict too: the stored status shows only the message once the page is opened again
        message += "; it ignores lookup filters, so each run reads its whole client list once"
    return CheckResult(True, True, True, latency, message, server,
                       server_time=date_header(response.headers.get("date")), details=details)


def _probed(erp: RestErpConnector) -> tuple[str, ...]:
    """The clients filters lookups rely on: our origin marker's id, then the customer number."""
    return (erp.options.origin_fields[0], "customer_number")


def filter_ignored(erp: RestErpConnector, http: HttpClient, entity: str, name: str) -> bool:
    """Asks for `entity` records whose `name` holds a value none has: a server honouring the filter answers with
    none, one ignoring it answers with a record that does not match. False when it cannot tell (an empty list,
    an error: the test's verdict stays with the first request)."""
    try:
        response = erp._request("GET", entity, erp._path(entity), http=http,
                                params={name: FILTER_PROBE, "per_page": 1})
        rows = data_of(reply_json(response, entity), response, entity, erp.options.list_key)
    except ERPSyncError:
        return False
    return isinstance(rows, list) and any(isinstance(r, dict) and r.get(name) != FILTER_PROBE for r in rows)


def ignored_filters_finding(erp: RestErpConnector, names: list[str], total: int | None) -> tuple[str, ...]:
    """What an ignored lookup filter means for a run's speed, and what to do, in plain words."""
    if not names:
        return ()
    which = " and ".join(", ".join(names).rsplit(", ", 1))
    size = ""
    if total is not None:
        reads = max(1, math.ceil(total / erp.options.page_size_max))
        size = f" (today {total:,} clients, {reads:,} request{'s' * (reads != 1)})"
    return (f"The ERP ignores the {which} filter{'s' * (len(names) != 1)}: asked for one record, it sends its "
            "whole list.",
            "Syncs still match every record right, but each run first reads the whole client list once"
            f"{size}, and that read grows with the ERP.",
            "Ask the ERP's vendor to support these filters; the sync needs no change when they do.")


def _total(body: object) -> int | None:
    meta = body.get("meta") if isinstance(body, dict) else None
    total = meta.get("total") if isinstance(meta, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
