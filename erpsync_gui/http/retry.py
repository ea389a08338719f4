"""When a request may be tried again, and how long to wait first.

Pure decisions, no I/O: the client asks `retry_for_response` / `retry_for_exception` after each attempt
and sleeps for `backoff_delay` or the server's `Retry-After`.
"""

from __future__ import annotations

import datetime
import email.utils
import ssl
from collections.abc import Callable

import httpx

#: methods a server must treat as repeatable, so an unanswered attempt can simply be sent again
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "PATCH"})
#: the request surely never reached the server: safe to send again whatever the method
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
)
#: the request may have reached the server before the exchange broke off
MAYBE_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
)
#: answers that say "the request was not processed, come back later": safe to repeat even a POST
NOT_PROCESSED_STATUSES = frozenset({429, 503})
#: 5xx answers that will not change on a second try
PERMANENT_SERVER_STATUSES = frozenset({501, 505})
#: the longest Retry-After the client waits out within one call; beyond it the caller decides
MAX_RETRY_AFTER = 300.0


def is_idempotent(method: str) -> bool:
    return method.upper() in IDEMPOTENT_METHODS


def is_retryable_status(status: int) -> bool:
    """429 and 5xx (except the few that a second try cannot change)."""
    return status == 429 or (500 <= status <= 599 and status not in PERMANENT_SERVER_STATUSES)


def retry_for_response(method: str, status: int) -> bool:
    """May a request that got this status be sent again?"""
    if not is_retryable_status(status):
        return False
    return is_idempotent(method) or status in NOT_PROCESSED_STATUSES


def tls_verification_failed(exc: BaseException) -> bool:
    """True when a connect error was the server's certificate being rejected (a retry cannot help)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def retry_for_exception(method: str, exc: httpx.TransportError) -> bool:
    """May a request that failed with this transport error be sent again?"""
    if isinstance(exc, NOT_SENT_ERRORS):
        return not tls_verification_failed(exc)
    if isinstance(exc, MAYBE_SENT_ERRORS):
        return is_idempotent(method)
    return False


def outcome_unknown(method: str, exc: httpx.TransportError) -> bool:
    """True when a write may or may not have taken effect: sent, then no complete answer."""
    return not is_idempotent(method) and isinstance(exc, MAYBE_SENT_ERRORS)


def backoff_delay(attempt: int, base: float, cap: float, jitter: Callable[[], float]) -> float:
    """Exponential backoff with full jitter: a random share of min(cap, base * 2**attempt).
    `attempt` counts from 0 for the first retry; `jitter` returns a number in [0, 1]."""
    ceiling = min(cap, base * (2 ** min(attempt, 62)))
    return max(0.0, min(ceiling, ceiling * jitter()))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay in seconds or an HTTP-date), None when
    absent or unreadable. A date in the past means 0. `now` is the current Unix time."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are always GMT, even when written as -0000
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - now)
