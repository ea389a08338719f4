"""Reading a reply's JSON body the same way for every connector: any body the server sends either parses or
becomes a MalformedReplyError that names the system, what was asked and the URL, never a bare traceback.

A hostile or broken server can send text that is not JSON, bytes that are not UTF-8, or arrays nested deep
enough to exhaust Python's recursion limit; `response.json()` raises three different exceptions for these,
and RecursionError in particular is not a ValueError, so a connector catching only ValueError crashed on it.
"""

from __future__ import annotations

from typing import Any

import httpx

from erpsync_gui.errors import MalformedReplyError

_BASE_URL_HINT = "check the base URL: it may not point at the system's API"


def shown_url(response: httpx.Response) -> str:
    """The request URL without its query (which may carry keys), for messages."""
    return str(response.request.url.copy_with(query=None))


def decode_json(response: httpx.Response, system: str, what: str, *, empty: Any = ...) -> Any:
    """The parsed body of `response`. `empty` is returned for a reply without a body when given;
    otherwise an empty body is malformed like any other non-JSON text."""
    if empty is not ... and not response.content.strip():
        return empty
    try:
        return response.json()
    except RecursionError:
        reason, hint, excerpt = "nested too deep to be read", None, None
    except UnicodeDecodeError:
        reason, hint, excerpt = "not UTF-8 text", None, None
    except ValueError:
        reason, hint = "not JSON (it may be cut off)", _BASE_URL_HINT
        excerpt = repr(response.text[:80].strip()) if response.content else "an empty body"
    raise MalformedReplyError(f"malformed reply from {system} for {what} at {shown_url(response)}: {reason}",
                              status=response.status_code, hint=hint, reply=excerpt)


def json_object(response: httpx.Response, system: str, what: str) -> dict[str, Any]:
    """The parsed body when it is a JSON object; anything else is a MalformedReplyError."""
    body = decode_json(response, system, what)
    if not isinstance(body, dict):
        raise MalformedReplyError(f"malformed reply from {system} for {what} at {shown_url(response)}: "
                                  f"not a JSON object (HTTP {response.status_code})", status=response.status_code)
    return body
