"""QuickBooks Online's `Fault` bodies as product errors, chosen by the error's `code` and the fault's `type`.

`{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": "ValidationFault"}, "time": ...}`;
the message names the code and the `element` (the field) when QuickBooks gives one. Some replies spell the
keys in lower case (`fault`, `error`, `message`), which is read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync_gui.connectors.quickbooks.entities import DUPLICATE_CODES, Entity
from erpsync_gui.errors import (
    AuthError,
    DuplicateError,
    ERPSyncError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    StaleVersionError,
)
from erpsync_gui.http.redact import redact_text

#: Stale Object Error: the SyncToken sent is not the current one
STALE = "5010"
#: Object Not Found
NOT_FOUND = "610"
#: ThrottleExceeded
THROTTLED = "3001"
_AUTH_TYPES = frozenset({"authenticationfault", "authorizationfault", "authentication", "authorization"})


def fault_of(body: Any) -> Mapping[str, Any] | None:
    """The Fault object of a reply body, or None."""
    if not isinstance(body, Mapping):
        return None
    fault = body.get("Fault", body.get("fault"))
    return fault if isinstance(fault, Mapping) else None


def _get(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name, item.get(name.lower()))
    return "" if value is None else str(value)


def fault_error(fault: Mapping[str, Any], what: str, entity: Entity | None = None, *,
                secrets: tuple[str, ...] = (), status: int | None = None) -> ERPSyncError:
    """The error for one Fault (its first Error decides; every Error is in the details)."""
    errors = fault.get("Error", fault.get("error"))
    items = [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []
    kind = str(fault.get("type") or "")
    if not items:
        return PermanentError(f"QuickBooks Online refused the {what} ({kind or 'a fault without errors'})",
                              status=status)
    first = items[0]
    code, element = _get(first, "code"), _get(first, "element")
    texts = [f"{_get(e, 'code')} {_get(e, 'Message')}: {_get(e, 'Detail')}".strip(" :") for e in items]
    details = redact_text("; ".join(texts), secrets)
    where = f" (element {element})" if element else ""
    message = f"QuickBooks Online refused the {what}: {texts[0]}{where}"
    if code == STALE:
        return StaleVersionError(f"the record changed in QuickBooks Online since it was read ({what}): "
                                 f"the SyncToken sent is not the current one", status=status, details=details,
                                 hint="it is read again on the next run")
    if code in DUPLICATE_CODES:
        key = element or _duplicate_key(code, entity)
        return DuplicateError(f"QuickBooks Online already holds a record with this {key} ({what})",
                              status=status, details=details)
    if code == NOT_FOUND:
        return NotFoundError(message, status=status, details=details)
    if code == THROTTLED:
        return RateLimitedError(message, status=status, details=details)
    if kind.lower() in _AUTH_TYPES:
        return AuthError(message, status=status, details=details, hint="sign in to QuickBooks Online again")
    if kind.lower() == "systemfault" or (status is not None and status >= 500):
        return RetryableError(message, status=status, details=details)
    return PermanentError(message, status=status, details=details, hint="fix the record's values")


def _duplicate_key(code: str, entity: Entity | None) -> str:
    for key in DUPLICATE_CODES[code]:
        if entity is None or key in entity.keys:
            return key
    return DUPLICATE_CODES[code][0]


def duplicate_field(fault: Mapping[str, Any], entity: Entity) -> str | None:
    """The natural key a duplicate Fault is about (its `element`, else the one its code names), or None."""
    errors = fault.get("Error", fault.get("error"))
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else {}
    code, element = _get(first, "code"), _get(first, "element")
    if code not in DUPLICATE_CODES:
        return None
    key = element or _duplicate_key(code, entity)
    return key if key in entity.keys else None
