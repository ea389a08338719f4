"""The one HTTP client every connector uses: pooled connections, retries with backoff, Retry-After,
safe handling of writes, errors translated into `erpsync_gui.errors`, and redacted logging.

Retry rules: idempotent methods are sent again after connection failures, timeouts, 5xx and 429;
a POST only when it surely never arrived (connect failures) or the server said it did not process it
(429, 503). A POST that was sent and got no answer raises OutcomeUnknownError instead: the engine
looks the record up by its natural key before it tries again.
"""

from __future__ import annotations

import datetime
import json as json_module
import logging
import os
import random
import ssl
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

import httpx

from erpsync_gui import __version__
from erpsync_gui.errors import ConfigError, MappingError
from erpsync_gui.http.auth import auth_secrets
from erpsync_gui.http.errors_map import describe_transport_error, error_for_exception, error_for_response
from erpsync_gui.http.redact import redact_body, redact_headers, redact_text, redact_url
from erpsync_gui.http.retry import (
    MAX_RETRY_AFTER,
    backoff_delay,
    is_idempotent,
    is_retryable_status,
    outcome_unknown,
    parse_retry_after,
    retry_for_exception,
    retry_for_response,
)

log = logging.getLogger("erpsync.http")

# httpx and httpcore log URLs (query keys included) and reply headers (cookies) unredacted; this module
# writes its own redacted lines instead, so theirs stay quiet unless someone asked for them explicitly.
for _name in ("httpx", "httpcore"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


@dataclass(frozen=True)
class HttpSettings:
    """How to talk to one endpoint. `log_level` is this endpoint's verbosity: request and reply
    lines (DEBUG) are written only when it is DEBUG, retries (WARNING) unless it is ERROR."""

    base_url: str
    timeout: float = 30.0
    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: True, False, or the path of a CA bundle file or directory
    verify: bool | str = True
    #: explicit proxy URL; None uses the system's proxy settings
    proxy: str | None = None
    user_agent: str = f"ERPSync/{__version__}"
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        try:
            url = httpx.URL(self.base_url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ConfigError(f"the URL {self.base_url!r} is not valid: {exc}") from exc
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(
                f"the URL {redact_url(self.base_url)!r} must start with http:// or https:// and name a host"
            )
        if not self.timeout > 0:
            raise ConfigError(f"the timeout must be more than 0 seconds, not {self.timeout}")
        if not isinstance(self.retries, int) or self.retries < 0:
            raise ConfigError(f"the number of retries must be 0 or more, not {self.retries}")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ConfigError("backoff times cannot be negative")
        if str(self.log_level).upper() not in _LEVELS:
            raise ConfigError(f"unknown log level {self.log_level!r}; use one of {', '.join(_LEVELS)}")
        if isinstance(self.verify, str) and not os.path.exists(self.verify):
            raise ConfigError(f"the CA bundle {self.verify} does not exist", hint="check the TLS settings")


def _json_default(value: Any) -> Any:
    """JSON for the values mapped records carry besides the basic types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent as JSON")


def encode_json(value: Any) -> bytes:
    """The request body for `value`, compact UTF-8 JSON; Decimal, dates and UUIDs included.
    A value that has no JSON form raises MappingError: the record, not the connection, is at fault."""
    try:
        return json_module.dumps(
            value, default=_json_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise MappingError(f"the record cannot be sent: {exc}") from exc


def _ssl_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx takes True/False as is; a CA bundle path becomes a context (httpx deprecates paths)."""
    if not isinstance(verify, str):
        return verify
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot read the CA bundle {verify}: {exc}", hint="check the TLS settings"
        ) from exc


class HttpClient:
    """An httpx.Client for one endpoint with the product's retry, error and logging rules.
    `sleep`, `clock` and `jitter` are injectable so tests need not wait."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        max_retry_after: float = MAX_RETRY_AFTER,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._max_retry_after = max_retry_after
        self._level = _LEVELS[settings.log_level.upper()]
        self._secrets: tuple[str, ...] = ()
        self.add_secrets(*secrets, *auth_secrets(auth))
        #: duration of the last exchange that got an answer, in milliseconds (None before the first)
        self.last_latency_ms: float | None = None
        all_headers = {"User-Agent": settings.user_agent, **(headers or {})}
        try:
            self._client = httpx.Client(
                base_url=settings.base_url,
                timeout=httpx.Timeout(settings.timeout),
                verify=_ssl_verify(settings.verify),
                proxy=settings.proxy,
                trust_env=True,
                headers=all_headers,
                auth=auth,
                transport=transport,
                follow_redirects=False,  # a redirect could carry API-key headers to another host
                event_hooks={"request": [self._log_request], "response": [self._log_response]},
            )
        except (ValueError, TypeError, ImportError, httpx.InvalidURL) as exc:  # ImportError: SOCKS support
            raise ConfigError(redact_text(f"cannot set up the connection: {exc}", self._secrets)) from exc
        if settings.verify is False:
            self._log(logging.WARNING, "TLS certificate checks are off for %s", redact_url(settings.base_url))

    @property
    def secrets(self) -> tuple[str, ...]:
        """The literal values kept out of logs and error texts."""
        return self._secrets

    def add_secrets(self, *values: str | None) -> None:
        """Keep more values out of logs, e.g. a session id or access token obtained at run time."""
        self._secrets = tuple(dict.fromkeys((*self._secrets, *(v for v in values if v))))

    # -- requests -----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request with retries; returns a 2xx (or 304) reply, else raises an
        `erpsync_gui.errors` class. `url` is relative to the base URL or absolute."""
        method = method.upper()
        if json is not None:
            content = encode_json(json)
            headers = httpx.Headers(headers)
            headers.setdefault("Content-Type", "application/json")
        attempt = 0
        while True:
            try:
                request = self._client.build_request(
                    method, url, params=params, content=content, headers=headers
                )
            except (httpx.InvalidURL, ValueError, TypeError) as exc:
                raise ConfigError(redact_text(f"cannot build {method} {url}: {exc}", self._secrets)) from exc
            started = time.perf_counter()
            try:
                response = self._client.send(request)
            except httpx.TransportError as exc:
                if attempt < self.settings.retries and retry_for_exception(method, exc):
                    wait = self._backoff(attempt)
                    self._warn_retry(request, attempt, wait, describe_transport_error(
                        exc, request.url, self.settings.timeout))
                    self._sleep(wait)
                    attempt += 1
                    continue
                raise self._exception_error(exc, request, outcome_unknown(method, exc)) from exc
            except httpx.HTTPError as exc:  # the answer came but could not be read (decoding)
                raise self._exception_error(exc, request, not is_idempotent(method)) from exc
            self.last_latency_ms = (time.perf_counter() - started) * 1000.0
            status = response.status_code
            if status < 300 or status == 304:
                return response
            retry_after = None
            if is_retryable_status(status):
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            if retry_for_response(method, status) and attempt < self.settings.retries and (
                retry_after is None or retry_after <= self._max_retry_after
            ):
                wait = retry_after if retry_after is not None else self._backoff(attempt)
                self._warn_retry(request, attempt, wait, f"answered {status} {response.reason_phrase}")
                response.close()
                self._sleep(wait)
                attempt += 1
                continue
            raise error_for_response(response, self._secrets, retry_after=retry_after)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.settings.backoff_base, self.settings.backoff_max, self._jitter)

    def _exception_error(self, exc: httpx.HTTPError, request: httpx.Request, unknown: bool) -> Exception:
        return error_for_exception(
            exc, method=request.method, url=request.url, timeout=self.settings.timeout,
            secrets=self._secrets, unknown_outcome=unknown,
        )

    def _enabled(self, level: int) -> bool:
        return level >= self._level and log.isEnabledFor(level)

    def _log(self, level: int, msg: str, *args: Any) -> None:
        if self._enabled(level):
            log.log(level, msg, *args)

    def _warn_retry(self, request: httpx.Request, attempt: int, wait: float, cause: str) -> None:
        self._log(
            logging.WARNING, "retrying %s %s in %.1f s (retry %d of %d): %s",
            request.method, redact_url(request.url.copy_with(query=None), self._secrets), wait,
            attempt + 1, self.settings.retries, redact_text(cause, self._secrets),
        )

    def _log_request(self, request: httpx.Request) -> None:
        if not self._enabled(logging.DEBUG):
            return
        try:
            body: bytes | str = request.content
        except httpx.RequestNotRead:
            body = "<streamed body>"
        log.debug(
            "HTTP request %s %s headers=%s body=%s", request.method, redact_url(request.url, self._secrets),
            redact_headers(request.headers, self._secrets), redact_body(body, self._secrets),
        )

    def _log_response(self, response: httpx.Response) -> None:
        if not self._enabled(logging.DEBUG):
            return
        response.read()
        request = response.request
        log.debug(
            "HTTP reply %s %s %s %s in %.0f ms headers=%s body=%s", response.status_code,
            response.reason_phrase, request.method, redact_url(request.url, self._secrets),
            response.elapsed.total_seconds() * 1000.0, redact_headers(response.headers, self._secrets),
            redact_body(response.content, self._secrets),
        )


def build_client(
    settings: HttpSettings,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpClient:
    """The client for one endpoint; connectors build one and keep it for the connector's life."""
    return HttpClient(settings, auth=auth, headers=headers, secrets=secrets, transport=transport, sleep=sleep)
