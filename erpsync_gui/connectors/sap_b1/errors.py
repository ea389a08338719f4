"""SAP's error bodies as typed errors, with SAP's own message.

v1 (OData v3): {"error":{"code":-10,"message":{"lang":"en-us","value":"..."}}}
v2 (OData v4): {"error":{"code":"-2039","details":[{"code":"","message":""}],"message":"..."}}

The class follows the HTTP status (and code -2039, "another user modified the data", which always comes
with 412): 401 AuthError, 404 NotFoundError, 412 StaleVersionError, 429 RateLimitedError, 5xx
RetryableError, other 4xx PermanentError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from erpsync_gui.errors import (
    AuthError,
    ConnectorError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    StaleVersionError,
)

STALE_CODE = "-2039"


@dataclass(frozen=True)
class SapError:
    code: str | None
    message: str | None


def parse_error(body: bytes | str | None) -> SapError:
    """The code and message of an error body in either version's shape (both None when it is neither)."""
    if not body:
        return SapError(None, None)
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):  # an error body nested too deep says nothing we can read
        return SapError(None, None)
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return SapError(None, None)
    code = error.get("code")
    message = error.get("message")
    if isinstance(message, dict):  # v1
        message = message.get("value")
    if not isinstance(message, str):
        message = None
    return SapError(None if code in (None, "") else str(code), message)


def error_for(status: int, body: bytes | str | None, what: str) -> ConnectorError:
    """The typed error for a sub-reply that is not a success; `what` says what was being done."""
    parsed = parse_error(body)
    text = parsed.message or f"HTTP {status}"
    code = f" (code {parsed.code})" if parsed.code else ""
    message = f"SAP Business One refused {what}: {text}{code}"
    kw: dict[str, Any] = {"status": status, "details": parsed.message}
    if status == 412 or parsed.code == STALE_CODE:
        return StaleVersionError(message, hint="the record changed since it was read", **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status in (401, 403):
        return AuthError(message, **kw)
    if status == 429:
        return RateLimitedError(message, **kw)
    if status >= 500:
        return RetryableError(message, **kw)
    return PermanentError(message, **kw)


def refined(exc: ConnectorError, what: str) -> ConnectorError:
    """An error from the HTTP layer restated with what was being done and SAP's own message (its `details`)."""
    if exc.status is None:
        return exc
    text = exc.details or exc.message
    kw: dict[str, Any] = {"status": exc.status, "details": exc.details, "hint": exc.hint}
    if isinstance(exc, RateLimitedError):
        kw["retry_after"] = exc.retry_after
    return type(exc)(f"SAP Business One refused {what}: {text}", **kw)
