"""Translation of HTTP replies and transport failures into the classes of `erpsync_gui.errors`.

Messages say plainly what happened ("connection refused by erp.example.com:443"); the remote
system's own words go to `.details`, redacted and cut to a readable length.
"""

from __future__ import annotations

import datetime
import json
import re
import socket
import time
from collections.abc import Iterable
from typing import Any

import httpx

from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    DuplicateError,
    ERPSyncError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
    StaleVersionError,
)
from erpsync_gui.http.cert_pin import PinMismatchError
from erpsync_gui.http.redact import redact_json, redact_text, redact_url
from erpsync_gui.http.retry import tls_verification_failed

DETAILS_LIMIT = 300
#: JSON keys that carry an error's human text in the dialects we meet (OAuth, OData/SAP, Zoho, QBO ...)
_TEXT_KEYS = frozenset(
    {"error", "error_description", "message", "fault", "errors", "detail", "details", "title",
     "description", "reason", "value", "msg", "error_message"}
)
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


#: keys under which systems list per-field validation errors ({"fields": {"email": "invalid"}})
_FIELD_KEYS = frozenset({"fields", "field_errors", "validation_errors"})


def _texts(value: Any, depth: int = 0) -> list[str]:
    """Human-readable strings under the error keys of a parsed JSON body, in document order."""
    if depth > 6:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [t for item in value for t in _texts(item, depth + 1)]
    if isinstance(value, dict):
        texts: list[str] = []
        for key, item in value.items():
            name = str(key).lower()
            if name in _FIELD_KEYS and isinstance(item, dict):
                # per-field validation messages: the field's name is what a person needs to fix it
                texts += [f"{field}: {'; '.join(_texts(msg, depth + 1)) or msg}" for field, msg in item.items()]
            elif name in _TEXT_KEYS:
                texts += _texts(item, depth + 1)
        return texts
    return []


def _cut(text: str, limit: int = DETAILS_LIMIT) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_details(response: httpx.Response, secrets: Iterable[str | None] = ()) -> str | None:
    """The remote system's error text from a reply body, redacted and cut to 300 characters."""
    secrets = tuple(secrets)
    try:
        raw = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError, LookupError):
        return None
    if not raw or not raw.strip():
        return None
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # an error body nested too deep is quoted as text
        parsed = None
    if parsed is not None:
        clean = redact_json(parsed, secrets)
        texts = list(dict.fromkeys(t.strip() for t in _texts(clean)))
        text = "; ".join(texts) if texts else json.dumps(clean, ensure_ascii=False)
    elif "html" in response.headers.get("content-type", "").lower() or raw.lstrip().startswith("<"):
        text = _TAG.sub(" ", raw)
    else:
        text = raw
    return _cut(redact_text(text, secrets)) or None


def _where(url: httpx.URL) -> str:
    """host:port of a URL, with the scheme's default port spelled out."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def _shown(url: httpx.URL, secrets: Iterable[str | None]) -> str:
    """The URL for a message: without its query (long, may carry ids or keys), redacted."""
    return redact_url(str(url.copy_with(query=None, fragment=None)), secrets)


def _seconds(timeout: float) -> str:
    """A wait as a person reads it: seconds, then minutes, then hours."""
    if timeout >= 7200:
        return f"{timeout / 3600:.1f} h".replace(".0 h", " h")
    if timeout >= 120:
        return f"{round(timeout / 60)} min"
    return f"{timeout:g} s"


def error_for_response(
    response: httpx.Response,
    secrets: Iterable[str | None] = (),
    *,
    retry_after: float | None = None,
    longest_wait: float | None = None,
    now: float | None = None,
) -> ConnectorError:
    """The error for a reply that is not a success, chosen by its status. A 429 or 503 asking for a wait
    longer than `longest_wait` (what the client waits out itself) is a QuotaExhaustedError: the run ends as
    partial and says when the server takes requests again, rather than failing every record."""
    secrets = tuple(secrets)
    status = response.status_code
    request = response.request
    reason = response.reason_phrase or "error"
    message = f"{request.method} {_shown(request.url, secrets)} answered {status} {reason}"
    kw: dict[str, Any] = {"status": status, "details": error_details(response, secrets)}
    if status == 401:
        return AuthError(message, hint="the credentials were rejected; check the endpoint settings", **kw)
    if status == 403:
        return AuthError(message, hint="the credentials lack the permission for this", **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 409:
        return DuplicateError(message, **kw)
    if status == 412:
        return StaleVersionError(message, hint="the record changed since it was read", **kw)
    if status in (429, 503) and retry_after is not None and longest_wait is not None and retry_after > longest_wait:
        resumes = datetime.datetime.fromtimestamp((time.time() if now is None else now) + retry_after, datetime.UTC)
        return QuotaExhaustedError(message, retry_after=retry_after, resumes_at=resumes,
                                   hint=f"the server asks to come back in {_seconds(retry_after)}; the next run "
                                        "carries on from where this one stopped", **kw)
    if status == 429:
        hint = f"the server asks to wait {_seconds(retry_after)}" if retry_after is not None else None
        return RateLimitedError(message, retry_after=retry_after, hint=hint, **kw)
    if 300 <= status < 400:
        location = response.headers.get("location")
        hint = f"use {redact_url(location, secrets)} as the URL" if location else "check the URL"
        return PermanentError(message, hint=hint, **kw)
    if 400 <= status < 500 or status in (501, 505):
        return PermanentError(message, **kw)
    hint = "the server had a problem; it will be tried again later"
    if retry_after is not None:
        hint = f"the server asks to come back in {_seconds(retry_after)}"
    return RetryableError(message, hint=hint, **kw)


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def describe_transport_error(exc: httpx.TransportError, url: httpx.URL, timeout: float) -> str:
    """A plain sentence for a failed exchange: "cannot resolve host X", "connection refused by X:port",
    "TLS certificate verification failed for X", "... timed out after 30 s"."""
    where = _where(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connecting to {where} timed out after {_seconds(timeout)}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no answer from {where}: timed out after {_seconds(timeout)}"
    if isinstance(exc, httpx.WriteTimeout):
        return f"sending to {where} timed out after {_seconds(timeout)}"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection to {where}: timed out after {_seconds(timeout)}"
    causes = _causes(exc)
    text = " ".join(str(c) for c in causes)
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy refused or failed the connection to {where}: {exc}"
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(c, socket.gaierror) for c in causes) or re.search(
            r"Name or service not known|getaddrinfo failed|nodename nor servname|Temporary failure in name",
            text,
        ):
            return f"cannot resolve host {url.host}"
        if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text.lower():
            return f"connection refused by {where}"
        pin = next((c for c in causes if isinstance(c, PinMismatchError)), None)
        if pin is not None:
            return f"TLS certificate verification failed for {url.host}: {pin.args[0]}"
        if tls_verification_failed(exc):
            return f"TLS certificate verification failed for {url.host}"
        if "SSL" in text or "TLS" in text:
            return f"TLS handshake with {where} failed: {exc}"
        return f"cannot connect to {where}: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} closed the connection without a complete answer"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return f"the connection to {where} broke: {exc}"
    return f"exchange with {where} failed: {exc}"


def error_for_exception(
    exc: httpx.HTTPError,
    *,
    method: str,
    url: httpx.URL,
    timeout: float,
    secrets: Iterable[str | None] = (),
    unknown_outcome: bool = False,
) -> ERPSyncError:
    """The error for an exchange that got no usable reply. `unknown_outcome` marks a write that
    was sent and may have taken effect."""
    secrets = tuple(secrets)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ConfigError(
            f"the URL {_shown(url, secrets)} is not http:// or https://", hint="check the endpoint URL"
        )
    if isinstance(exc, httpx.LocalProtocolError):
        return PermanentError(redact_text(f"cannot send {method} {_shown(url, secrets)}: {exc}", secrets))
    if not isinstance(exc, httpx.TransportError):
        return RetryableError(redact_text(f"{method} {_shown(url, secrets)} failed: {exc}", secrets))
    cause = redact_text(describe_transport_error(exc, url, timeout), secrets)
    if unknown_outcome:
        return OutcomeUnknownError(
            f"{method} {_shown(url, secrets)}: {cause}; the write may or may not have taken effect",
            hint="the record is looked up by its key before it is sent again",
        )
    hint = None
    if cause.startswith("TLS certificate"):
        hint = ("the server's certificate is not trusted; give the CA bundle in the endpoint settings, or trust "
                "this one certificate by its SHA-256 fingerprint (trust_cert_sha256)")
    elif cause.startswith("cannot resolve"):
        hint = "check the host name in the URL and the network connection"
    elif cause.startswith("connection refused"):
        hint = "is the server running, and is the port right?"
    return RetryableError(cause, hint=hint)
