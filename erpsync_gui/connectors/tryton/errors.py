"""Tryton's JSON-RPC error replies as the product's typed errors.

A failed call still answers HTTP 200, with `{"id": .., "error": <the exception's args>}`
(trytond/protocols/jsonrpc.py). The shapes, from trytond/exceptions.py:
  ["UserError", [message, description, domain]]      a validation or access refusal -> PermanentError
  ["UserWarning", [name, message, description]]      needs a person's confirmation  -> PermanentError
  ["ConcurrencyException", message]                  the `_timestamp` lock failed  -> StaleVersionError
  ["LoginException", [name, message, type]]          the login needs more          -> AuthError
  [text, traceback]                                  any other server exception    -> PermanentError
The class is chosen by the exception's name, never by its text. Unknown server exceptions count as
permanent: the server already retries its own database conflicts, so what reaches us repeats on a retry.
"""

from __future__ import annotations

from typing import Any

from erpsync_gui.errors import AuthError, ConnectorError, PermanentError, StaleVersionError
from erpsync_gui.http.errors_map import DETAILS_LIMIT


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DETAILS_LIMIT else text[: DETAILS_LIMIT - 1] + "…"


def rpc_error(error: Any, what: str) -> ConnectorError:
    """The error for one `error` member; `what` says what was asked ("the create of clients")."""
    name = error[0] if isinstance(error, list) and error and isinstance(error[0], str) else None
    args = error[1] if isinstance(error, list) and len(error) > 1 else None
    parts = args if isinstance(args, list) else []
    if name == "UserError":
        message, description = (_text(parts[0]) if parts else ""), (_text(parts[1]) if len(parts) > 1 else "")
        full = f"{message} {description}".strip() or "no message"
        return PermanentError(f"Tryton refused {what}: {message or full}", details=_cut(full),
                              hint=description or None)
    if name == "UserWarning":
        warning, message = (_text(parts[0]) if parts else ""), (_text(parts[1]) if len(parts) > 1 else "")
        return PermanentError(f"Tryton asks to confirm a warning for {what}: {message or warning}",
                              details=_cut(message or warning),
                              hint=f"a Tryton user can allow it once (warning {warning!r}), then it is sent again")
    if name == "ConcurrencyException":
        return StaleVersionError(f"the record changed in Tryton since it was read ({what})",
                                 details=_cut(_text(args)), hint="it is read again on the next run")
    if name == "LoginException":
        message = _text(parts[1]) if len(parts) > 1 else ""
        return AuthError(f"Tryton wants more than a password to log in: {message or 'unknown step'}",
                         details=_cut(message), hint="this connector logs in with a user name and password only")
    if name is not None:
        return PermanentError(f"Tryton failed on {what}: {_cut(name)}", details=_cut(name),
                              hint="the Tryton server's log has the details")
    return PermanentError(f"Tryton answered {what} with an error it did not describe", details=_cut(repr(error)))
