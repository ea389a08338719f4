"""Zoho CRM's error objects (`{"code", "message", "status": "error", "details"}`) as product errors, chosen by
their `code`: per record in a write reply, or for the whole request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsync_gui.errors import (
    AuthError,
    DuplicateError,
    ERPSyncError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    StaleVersionError,
)
from erpsync_gui.http.redact import redact_text

_AUTH = frozenset({"INVALID_TOKEN", "AUTHENTICATION_FAILURE", "OAUTH_SCOPE_MISMATCH", "NO_PERMISSION"})


def _object(value: Any) -> Mapping[str, Any]:
    """A member that should hold a JSON object; an empty one when it is absent or of another shape."""
    return value if isinstance(value, Mapping) else {}


def _text(item: Mapping[str, Any]) -> str:
    code = str(item.get("code") or "error")
    message = str(item.get("message") or "").strip()
    details = _object(item.get("details"))
    where = details.get("api_name") or details.get("param_name")
    text = f"{code}: {message}" if message else code
    return f"{text} ({where})" if where else text


def item_error(item: Mapping[str, Any], what: str, secrets: tuple[str, ...] = ()) -> ERPSyncError:
    """The error for one failed record (or request) of `what` ("insert of Contacts #3")."""
    code = str(item.get("code") or "")
    details = _object(item.get("details"))
    text = redact_text(_text(item), secrets)
    message = f"Zoho CRM refused the {what}: {text}"
    if code == "DUPLICATE_DATA":
        holder = _object(details.get("duplicate_record"))
        existing = holder.get("id") or details.get("id")
        field = details.get("api_name")
        return DuplicateError(f"Zoho CRM already holds a record with this {field or 'value'} ({what})",
                              existing_id=str(existing) if existing else None, status=400, details=text)
    if code == "ALREADY_MODIFIED":
        return StaleVersionError(f"the record changed in Zoho CRM since it was read ({what})", status=412,
                                 details=text, hint="it is read again on the next run")
    if code == "INVALID_DATA" and details.get("api_name") == "id":
        return NotFoundError(f"the record does not exist in Zoho CRM ({what})", status=400, details=text)
    if code in _AUTH:
        return AuthError(message, status=401 if code != "NO_PERMISSION" else 403, details=text,
                         hint="check the sign-in and the scopes it granted")
    if code == "TOO_MANY_REQUESTS":
        return RateLimitedError(message, status=429, details=text)
    return PermanentError(message, status=400, details=text, hint="fix the record's values")
