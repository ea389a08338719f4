"""`$batch` with one changeset: the request body, and the reply read back into one sub-reply per request.

A changeset is all-or-nothing. When one of its requests fails the Service Layer rolls the changeset
back and answers a single plain `application/http` part with that failure instead of a nested
changeset reply; `Reply.failed` is then set and holds that one sub-reply. Every changeset request
carries a Content-ID (optional in v1, mandatory in v2), which a successful reply repeats in its part
headers. The whole batch answers 202 Accepted (v1) or 200 OK (v2).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from erpsync_gui.http.jsonbody import encode_json

CRLF = b"\r\n"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})")


class BatchFormatError(ValueError):
    """The batch reply cannot be read."""


@dataclass(frozen=True)
class SubRequest:
    method: str
    #: the path from the host on, e.g. /b1s/v2/BusinessPartners
    path: str
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SubReply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    content_id: str | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


@dataclass(frozen=True)
class Reply:
    parts: tuple[SubReply, ...] = field(default_factory=tuple)
    #: the changeset was rolled back; `parts` holds the one failure the server sent
    failed: bool = False


def build(requests: Sequence[SubRequest]) -> tuple[str, bytes]:
    """(Content-Type, body) of a batch with all `requests` in one changeset, Content-IDs 1..n."""
    batch = f"batch_{uuid.uuid4()}"
    changeset = f"changeset_{uuid.uuid4()}"
    out: list[bytes] = [f"--{batch}".encode(), f"Content-Type: multipart/mixed;boundary={changeset}".encode(), b""]
    for number, request in enumerate(requests, start=1):
        out += [f"--{changeset}".encode(), b"Content-Type: application/http", b"Content-Transfer-Encoding: binary",
                f"Content-ID: {number}".encode(), b"", f"{request.method} {request.path} HTTP/1.1".encode()]
        if request.body is not None:
            out += [b"Content-Type: application/json", b"", encode_json(request.body)]
        else:
            out += [b""]
        out.append(b"")
    out += [f"--{changeset}--".encode(), f"--{batch}--".encode(), b""]
    return f"multipart/mixed;boundary={batch}", CRLF.join(out)


def boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type or "")
    if not match or "multipart/" not in content_type.lower():
        raise BatchFormatError(f"not a multipart reply ({content_type!r})")
    return match[1].strip()


def _split(body: bytes, boundary: str) -> list[bytes]:
    """The parts between `--boundary` lines (CRLF or LF line ends), without the closing one."""
    text = body.replace(CRLF, b"\n")
    marker = b"--" + boundary.encode()
    if marker not in text:
        raise BatchFormatError(f"the boundary {boundary!r} does not occur in the reply")
    parts: list[bytes] = []
    for chunk in text.split(marker)[1:]:
        if chunk.startswith(b"--"):
            break
        parts.append(chunk.lstrip(b" \t").removeprefix(b"\n"))
    return parts


def _headers(block: bytes) -> tuple[dict[str, str], bytes]:
    """MIME-style headers up to the first blank line, and the rest."""
    head, _, rest = block.partition(b"\n\n")
    headers: dict[str, str] = {}
    for line in head.split(b"\n"):
        name, sep, value = line.decode("utf-8", "replace").partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _http(block: bytes, content_id: str | None) -> SubReply:
    """One embedded HTTP reply: status line, headers, blank line, body."""
    block = block.lstrip(b"\n")
    first, _, rest = block.partition(b"\n")
    match = _STATUS.match(first.strip())
    if not match:
        raise BatchFormatError(f"a batch part has no HTTP status line ({first[:40]!r})")
    headers: dict[str, str]
    if rest.startswith(b"\n"):
        headers, body = {}, rest[1:]
    else:
        headers, body = _headers(rest)
    return SubReply(int(match[1]), headers, body.rstrip(b"\n"), headers.get("content-id") or content_id)


def parse(content_type: str, body: bytes) -> Reply:
    """The sub-replies of a batch reply of one changeset."""
    parts: list[SubReply] = []
    failed = False
    for part in _split(body, boundary_of(content_type)):
        headers, rest = _headers(part)
        kind = headers.get("content-type", "").lower()
        if kind.startswith("multipart/mixed"):
            for inner in _split(rest, boundary_of(headers["content-type"])):
                inner_headers, inner_rest = _headers(inner)
                parts.append(_http(inner_rest, inner_headers.get("content-id")))
        elif kind.startswith("application/http"):
            reply = _http(rest, headers.get("content-id"))
            parts.append(reply)
            failed = failed or reply.status >= 400
        else:
            raise BatchFormatError(f"unexpected batch part of type {kind or 'none'!r}")
    return Reply(tuple(parts), failed)
