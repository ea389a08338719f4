"""A ceiling on how much of one reply is held in memory.

A server that answers a page request with gigabytes (a broken proxy, a report endpoint behind the wrong URL,
a gzip bomb) would otherwise be read whole by httpx before the connector sees a byte, and the app would run out
of memory. The body is read in chunks after decompression, so a small compressed reply that inflates past the
ceiling is stopped as early as a large plain one.
"""

from __future__ import annotations

import httpx

from erpsync_gui.errors import MalformedReplyError

MIB = 1024 * 1024
#: the default ceiling: far above any page of records, far below what an office PC can hold
DEFAULT_MAX_REPLY_BYTES = 64 * MIB


def _too_large(response: httpx.Response, limit: int, name: str) -> MalformedReplyError:
    url = response.request.url.copy_with(query=None)
    return MalformedReplyError(
        f"the reply from {name} at {url} is larger than {limit / MIB:g} MB; ERPSync stopped reading it",
        status=response.status_code,
        hint="lower the entity's batch size, or raise the endpoint option max_reply_mb if its pages are that big",
    )


def read_within(response: httpx.Response, limit: int, name: str) -> None:
    """Read the streamed `response`'s body into it (as `Response.read()` does), or close it and raise a
    MalformedReplyError once the decoded body passes `limit` bytes. Transport errors pass through."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit and "Content-Encoding" not in response.headers:
        response.close()
        raise _too_large(response, limit, name)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit, name)
            chunks.append(chunk)
    finally:
        response.close()
    # what Response.read() stores; .content, .text and .json() then work as on a reply read at once
    response._content = b"".join(chunks)
