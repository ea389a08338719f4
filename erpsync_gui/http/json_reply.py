"""Reading a reply's JSON body the same way for every connector: any body the server sends either parses or
becomes a MalformedReplyError that names the system, what was asked and the URL, never a bare traceback.

A hostile or broken server can send text that is not JSON, bytes that are not UTF-8, or arrays nested deep
enough to exhaust Python's recursion limit; `response.json()` raises three different exceptions for these,
and RecursionError in particular is not a ValueError, so a connector catching only ValueError crashed on it.

A body is parsed by orjson first (several times faster than the standard library on a page of records); what
orjson refuses goes to the standard library, which reads what it reads (UTF-16, NaN) and words why the rest
cannot be read, so the replies accepted and the errors given are the same as before. orjson would turn an
integer beyond 64 bits into an inexact float without a word, so a body with a run of 19 digits or more (which
may be one) is read by the standard library, which keeps every digit.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from erpsync_gui.errors import MalformedReplyError

#: a number that may not fit 64 bits (orjson reads those as floats) has 19 digits or more (-9223372036854775809):
#: every digit made "0" and everything else a space, such a run is a plain substring search (ten times faster
#: than a regular expression over a page of dates and phone numbers)
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19
_BASE_URL_HINT = "check the base URL: it may not point at the system's API"


def shown_url(response: httpx.Response) -> str:
    """The request URL without its query (which may carry keys), for messages."""
    return str(response.request.url.copy_with(query=None))


def decode_json(response: httpx.Response, system: str, what: str, *, empty: Any = ...) -> Any:
    """The parsed body of `response`. `empty` is returned for a reply without a body when given;
    otherwise an empty body is malformed like any other non-JSON text."""
    if empty is not ... and not response.content.strip():
        return empty
    content = response.content
    if _LONG_RUN not in content.translate(_DIGITS_AS_ZEROS):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # the standard library's reading below decides, and says why
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
