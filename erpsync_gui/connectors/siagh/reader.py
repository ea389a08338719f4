"""Reading Siagh's unpaged contact list without holding it whole.

`GET /api/Sgh/GEN/Gn_Web_Users/GetAll` answers every contact (3,722 at one site) as one bare JSON array,
with no envelope, total or paging. The reply is parsed incrementally (ijson) from the response stream and
handed on in pages; a page is all that is held at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ijson

from erpsync_gui.errors import PermanentError

_WHITESPACE = b" \t\r\n\xef\xbb\xbf"  # a UTF-8 byte-order mark may precede the array
_SNIPPET = 120


class _ChunkReader:
    """A file-like `read(n)` over an iterator of byte chunks (what ijson reads from)."""

    def __init__(self, chunks: Iterator[bytes], first: bytes) -> None:
        self._chunks = chunks
        self._buffer = first

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            out, self._buffer = self._buffer + b"".join(self._chunks), b""
            return out
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def iter_array(chunks: Iterator[bytes], what: str, url: str, limit: int) -> Iterator[dict[str, Any]]:
    """Each object of a top-level JSON array, in order; anything else is a PermanentError naming `url`."""
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:
        head += chunk
        if head.lstrip(_WHITESPACE):
            break
    start = head.lstrip(_WHITESPACE)
    if not start.startswith(b"["):
        shown = start[:_SNIPPET].decode("utf-8", "replace") or "an empty body"
        raise PermanentError(f"malformed reply from Siagh for {what} at {url}: not a JSON array ({shown!r})",
                             hint="check the base URL and the user's permission on Gn_Web_Users")
    count = 0
    try:
        for item in ijson.items(_ChunkReader(chunks, start), "item"):
            if not isinstance(item, dict):
                raise PermanentError(
                    f"malformed reply from Siagh for {what} at {url}: item {count + 1} is not an object")
            count += 1
            if count > limit:
                raise PermanentError(f"Siagh's {what} list at {url} has more than {limit} rows",
                                     hint="raise options.max_contacts if the list is really that long")
            yield item
    except ijson.JSONError as exc:
        raise PermanentError(f"malformed reply from Siagh for {what} at {url}: broken JSON after {count} rows",
                             details=str(exc)[:200]) from None
