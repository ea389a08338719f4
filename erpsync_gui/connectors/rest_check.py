"""The generic REST ERP's connection test: reachable, signed in, the advanced entities' client token.

Each failure gets the words an admin acts on (which secret to set, that the URL is wrong) rather than the
HTTP layer's error; the check never raises (the caller turns a crash into a failed result).
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx

from erpsync_gui.connectors.base import CheckResult
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
from erpsync_gui.http import HttpClient, HttpSettings

if TYPE_CHECKING:
    from erpsync_gui.connectors.rest_erp import RestErpConnector

#: a connection test waits at most this long for one reply, and never retries
CHECK_TIMEOUT = 15.0


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
        data_of(reply_json(response, "clients"), response, "clients", erp.options.list_key)
    except PermanentError as exc:
        return CheckResult(False, True, False, latency, f"{exc.message}; check the base URL", server)
    message = f"Connected to the ERP in {latency:.0f} ms"
    if erp._client_token:
        try:
            erp._request("GET", "units", erp._path("units"), http=http, params={"per_page": 1})
        except (AuthError, MissingClientTokenError) as exc:
            return CheckResult(False, True, True, latency, f"{message}, but {exc.message.lower()}"
                               "; check erp.client_token", server)
        message += "; the client token works"
    else:
        message += "; no client token, so products, orders and the other advanced entities are off"
    return CheckResult(True, True, True, latency, message, server, server_time=http_date(response))


def no_retries(settings: HttpSettings) -> HttpSettings:
    """The settings of a connection test: one short try, so a dead server answers in seconds."""
    return dataclasses.replace(settings, timeout=min(settings.timeout, CHECK_TIMEOUT), retries=0)


def http_date(response: httpx.Response) -> datetime | None:
    """The server's clock from its Date header (whole seconds), None when it sends none."""
    try:
        moment = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
