"""The one HTTP client every connector uses: pooled connections, retries with backoff, Retry-After,
safe handling of writes, errors translated into `erpsync_gui.errors`, and redacted logging.

Retry rules: idempotent methods are sent again after connection failures, timeouts, 5xx and 429;
a POST only when it surely never arrived (connect failures) or the server said it did not process it
(429, 503). A POST that was sent and got no answer raises OutcomeUnknownError instead: the engine
looks the record up by its natural key before it tries again. Every wait (backoff, Retry-After, a rate
limit slot) counts against the call's time budget (`total_timeout`), not only against the retry count.
`stream()` is the same call with the reply's body left unread, for replies too big to hold at once.

Each request first passes the endpoint's circuit breaker (circuit.py) and takes a slot from its rate
limiter (ratelimit.py, shared per endpoint across the process), and from a second limiter when the call names
one (`also_limit`: QuickBooks counts its batch calls apart as well). A 429 without Retry-After waits
`settings.throttle_wait` when the system documents a wait of its own, else the usual backoff. Waits are
interruptible: `interrupt()` (and `close()`) wake every sleep and slot wait of this client.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import httpx

from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ConnectorError,
    ERPSyncError,
    MalformedReplyError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
)
from erpsync_gui.http import ratelimit
from erpsync_gui.http.auth import auth_secrets
from erpsync_gui.http.circuit import CircuitBreaker
from erpsync_gui.http.client_cert import ssl_context
from erpsync_gui.http.client_log import STREAMED, HttpLog
from erpsync_gui.http.errors_map import describe_transport_error, error_for_exception, error_for_response
from erpsync_gui.http.jsonbody import encode_json
from erpsync_gui.http.ratelimit import LimiterRegistry, RateLimiter, RateLimits
from erpsync_gui.http.redact import redact_text, redact_url
from erpsync_gui.http.reply_size import read_within
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
from erpsync_gui.http.settings import HttpSettings

__all__ = ["HttpClient", "HttpSettings", "build_client", "encode_json"]

# httpx and httpcore log URLs (query keys included) and reply headers (cookies) unredacted; this module
# writes its own redacted lines instead, so theirs stay quiet unless someone asked for them explicitly.
for _name in ("httpx", "httpcore"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

class HttpClient:
    """An httpx.Client for one endpoint with the product's retry, limit, breaker, error and logging rules.
    `sleep`, `clock` and `jitter` are injectable so tests need not wait; so are the rate limiter registry
    and the circuit breaker."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        max_retry_after: float = MAX_RETRY_AFTER,
        limiters: LimiterRegistry | None = None,
        breaker: CircuitBreaker | None = None,
        close_auth: bool = True,
    ) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._sleep = sleep if sleep is not None else self._stop.wait
        self._clock = clock
        self._jitter = jitter
        self._max_retry_after = max_retry_after
        self._http_log = HttpLog(settings, lambda: self.secrets)
        self._auth = auth
        self._close_auth = close_auth
        self._secrets: tuple[str, ...] = ()
        self.add_secrets(*secrets)
        #: duration of the last exchange that got an answer, in milliseconds (None before the first)
        self.last_latency_ms: float | None = None
        #: the last authentication failure (cleared by a success): the app turns it into the endpoint status
        self.auth_problem: AuthError | None = None
        registry = limiters if limiters is not None else ratelimit.REGISTRY
        self._limiters = registry
        self.limiter: RateLimiter = registry.get(settings.rate_limit_key or settings.base_url,
                                                 settings.rate_limits, settings.label)
        self.breaker = breaker if breaker is not None else CircuitBreaker(
            settings.label, failures=settings.breaker_failures, cooldown=settings.breaker_cooldown)
        all_headers = {"User-Agent": settings.user_agent, **(headers or {})}
        try:
            self._client = httpx.Client(
                base_url=settings.base_url,
                timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout or settings.timeout),
                verify=ssl_context(settings.verify, settings.cert, settings.pinned_sha256),
                proxy=settings.proxy,
                trust_env=True,
                headers=all_headers,
                auth=auth,
                transport=transport,
                follow_redirects=False,  # a redirect could carry API-key headers to another host
                event_hooks={"request": [self._http_log.request], "response": [self._http_log.response]},
            )
        except (ValueError, TypeError, ImportError, httpx.InvalidURL) as exc:  # ImportError: SOCKS support
            raise ConfigError(redact_text(f"cannot set up the connection: {exc}", self.secrets)) from exc
        if settings.verify is False and not settings.pinned_sha256:
            self._http_log.line(logging.WARNING, "TLS certificate checks are off for %s", redact_url(settings.base_url))

    def limiter_for(self, name: str, limits: RateLimits) -> RateLimiter:
        """A second limiter of this endpoint for one kind of call (shared like the main one), to pass as
        `also_limit`: e.g. QuickBooks' 40 batch calls a minute beside its 500 requests."""
        key = f"{self.settings.rate_limit_key or self.settings.base_url}#{name}"
        return self._limiters.get(key, limits, f"{self.settings.label} ({name})")

    @property
    def secrets(self) -> tuple[str, ...]:
        """The literal values kept out of logs and error texts (the auth's current tokens included)."""
        return tuple(dict.fromkeys((*self._secrets, *auth_secrets(self._auth))))

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
        also_limit: RateLimiter | None = None,
        accept_status: Collection[int] = (),
    ) -> httpx.Response:
        """Send one request with retries; returns a 2xx (or 304) reply, else raises an
        `erpsync_gui.errors` class. `url` is relative to the base URL or absolute; `also_limit` is a
        further limiter (from `limiter_for`) each attempt takes a slot from; `accept_status` names 4xx
        statuses the caller reads itself (a batch write's per-record errors come with 400)."""
        method = method.upper()
        if json is not None:
            content = encode_json(json)
            headers = httpx.Headers(headers)
            headers.setdefault("Content-Type", "application/json")
        self._check_open()
        self.breaker.before()
        try:
            response = self._exchange(method, url, params, content, headers, also_limit, frozenset(accept_status))
        except ERPSyncError as exc:
            self._account(exc)
            raise
        except BaseException:
            self.breaker.release_trial()
            raise
        self.breaker.success()
        self.auth_problem = None
        return response

    @contextmanager
    def stream(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[httpx.Response]:
        """`request` with the reply's body left unread: read it inside the block (`iter_bytes`), in pieces.
        The rules are the same up to the reply's headers; a body that breaks off midway raises
        RetryableError. The reply is closed when the block ends."""
        method = method.upper()
        content = None
        if json is not None:
            content = encode_json(json)
            headers = httpx.Headers(headers)
            headers.setdefault("Content-Type", "application/json")
        self._check_open()
        self.breaker.before()
        try:
            response = self._exchange(method, url, params, content, headers, stream=True)
        except ERPSyncError as exc:
            self._account(exc)
            raise
        except BaseException:
            self.breaker.release_trial()
            raise
        self.breaker.success()
        self.auth_problem = None
        try:
            yield response
        except httpx.HTTPError as exc:  # the body broke off while it was being read
            raise self._exception_error(exc, response.request, False) from exc
        finally:
            response.close()

    def _account(self, exc: ERPSyncError) -> None:
        """Tell the breaker (and the auth status) what a failed call says about the endpoint."""
        if isinstance(exc, AuthError):
            self.auth_problem = exc
            self.breaker.success()  # it answered
        elif isinstance(exc, CircuitOpenError | RateLimitedError | OutcomeUnknownError) or self._stop.is_set():
            # throttled or stopped: nothing learnt about its health; an unknown write outcome is the
            # engine's to reconcile, and its own count of failed writes in a row stops the run
            self.breaker.release_trial()
        elif isinstance(exc, RetryableError):
            self.breaker.failure(exc.message)
        elif isinstance(exc, ConnectorError) and exc.status is not None:
            self.breaker.success()
        else:
            self.breaker.release_trial()

    def _exchange(self, method: str, url: str, params: Mapping[str, Any] | None, content: bytes | str | None,
                  headers: Mapping[str, str] | None, also_limit: RateLimiter | None = None,
                  accept: frozenset[int] = frozenset(), *, stream: bool = False) -> httpx.Response:
        attempt, spent = 0, 0.0
        extensions = {STREAMED: True} if stream else None
        while True:
            try:
                request = self._client.build_request(method, url, params=params, content=content, headers=headers,
                                                     extensions=extensions)
            except (httpx.InvalidURL, ValueError, TypeError) as exc:
                raise ConfigError(redact_text(f"cannot build {method} {url}: {exc}", self.secrets)) from exc
            spent += self._take_slot(self.limiter)
            if also_limit is not None:
                spent += self._take_slot(also_limit)
            failure: httpx.TransportError | None = None
            self.limiter.enter(self._stop.is_set)
            started = time.perf_counter()
            try:
                # always streamed, so a reply larger than the ceiling is stopped before it is held whole
                response = self._client.send(request, stream=True)
                if not stream:
                    read_within(response, self.settings.max_reply_bytes, self.settings.name)
            except httpx.TransportError as exc:
                failure = exc
            except httpx.HTTPError as exc:  # the answer came but could not be read (decoding)
                raise self._exception_error(exc, request, not is_idempotent(method)) from exc
            finally:
                self.limiter.leave()
            elapsed = time.perf_counter() - started
            spent += elapsed
            if failure is not None:
                if attempt < self.settings.retries and retry_for_exception(method, failure):
                    wait = self._backoff(attempt)
                    if spent + wait <= self.settings.total_timeout:
                        self._http_log.retry(request, attempt, wait, describe_transport_error(
                            failure, request.url, self.settings.timeout))
                        self._pause(wait)
                        spent, attempt = spent + wait, attempt + 1
                        continue
                raise self._exception_error(failure, request, outcome_unknown(method, failure)) from failure
            self.last_latency_ms = elapsed * 1000.0
            status = response.status_code
            if status < 300 or status == 304 or (status in accept and 400 <= status < 500):
                return response
            if stream:
                try:  # an error reply is small; its text goes into the error's details
                    read_within(response, self.settings.max_reply_bytes, self.settings.name)
                except (httpx.HTTPError, MalformedReplyError):
                    response.close()
            retry_after = None
            if is_retryable_status(status):
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
                if retry_after is None and status == 429:
                    retry_after = self.settings.throttle_wait
            if retry_for_response(method, status) and attempt < self.settings.retries and (
                retry_after is None or retry_after <= self._max_retry_after
            ):
                wait = retry_after if retry_after is not None else self._backoff(attempt)
                if spent + wait <= self.settings.total_timeout:
                    self._http_log.retry(request, attempt, wait, f"answered {status} {response.reason_phrase}")
                    response.close()
                    self._pause(wait)
                    spent, attempt = spent + wait, attempt + 1
                    continue
            raise error_for_response(response, self.secrets, retry_after=retry_after,
                                     longest_wait=self._max_retry_after, now=self._clock())

    def _take_slot(self, limiter: RateLimiter) -> float:
        """Wait for the rate limiter's next slot; returns the seconds waited. QuotaExhaustedError when the
        wait would be longer than the limits allow."""
        waited = 0.0
        while True:
            wait = limiter.reserve()
            if wait <= 0:
                return waited
            if waited + wait > limiter.limits.max_wait:
                raise RateLimitedError(
                    f"no request slot for {self.settings.label} after {waited:.0f} s of waiting",
                    retry_after=wait, hint="other connections to the same endpoint use up its rate limit")
            self._http_log.line(logging.INFO, "rate limit of %s reached: waiting %.1f s", limiter.name, wait)
            self._pause(wait)
            waited += wait

    def _pause(self, seconds: float) -> None:
        self._sleep(seconds)
        self._check_open()

    def _check_open(self) -> None:
        if self._stop.is_set():
            raise RetryableError(f"the connection to {self.settings.label} was stopped",
                                 hint="the request was not sent")

    def interrupt(self) -> None:
        """Stop every wait of this client at once (backoff, Retry-After, rate limit); later calls fail."""
        self._stop.set()
        self.limiter.wake()

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
        """End the session (if the auth keeps one), close the pooled connections and stop every wait."""
        if self._close_auth and not self._stop.is_set():
            self._end_auth()
        self.interrupt()
        self._client.close()

    def _end_auth(self) -> None:
        logout = getattr(self._auth, "logout_request", None)
        request = logout() if callable(logout) else None
        if request is not None:
            try:
                self._client.send(request, auth=_NO_AUTH).close()
            except httpx.HTTPError as exc:  # the session times out by itself; nothing else to do
                self._http_log.line(logging.INFO, "logging out of %s failed: %s", self.settings.label,
                          redact_text(str(exc), self.secrets))
        closer = getattr(self._auth, "close", None)
        if callable(closer):
            closer()

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
            secrets=self.secrets, unknown_outcome=unknown,
        )


def build_client(
    settings: HttpSettings,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
    close_auth: bool = True,
) -> HttpClient:
    """The client for one endpoint; connectors build one and keep it for the connector's life."""
    return HttpClient(settings, auth=auth, headers=headers, secrets=secrets, transport=transport, sleep=sleep,
                      close_auth=close_auth)


class _NoAuth(httpx.Auth):
    """Sends a request as it is (a logout request already carries its session cookie)."""


_NO_AUTH = _NoAuth()
