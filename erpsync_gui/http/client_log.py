"""The HTTP client's own log lines: every URL, header and body redacted before it is written.

httpx and httpcore would log URLs (query keys included) and reply headers (cookies) as they are; the client
keeps theirs quiet and writes these instead. DEBUG lines carry the redacted exchange, WARNING the retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

from erpsync_gui.http.redact import redact_body, redact_headers, redact_text, redact_url
from erpsync_gui.http.reply_size import read_within
from erpsync_gui.http.settings import LEVELS, HttpSettings

log = logging.getLogger("erpsync.http")

#: request extension that marks a streamed exchange (its reply body is not read for the debug log)
STREAMED = "erpsync_streamed"


class HttpLog:
    """One client's log: its endpoint's level and the secrets to hide (read at each line: they grow)."""

    def __init__(self, settings: HttpSettings, secrets: Callable[[], tuple[str, ...]]) -> None:
        self._settings = settings
        self._secrets = secrets
        self._level = LEVELS[settings.log_level.upper()]

    def enabled(self, level: int) -> bool:
        return level >= self._level and log.isEnabledFor(level)

    def line(self, level: int, msg: str, *args: Any) -> None:
        if self.enabled(level):
            log.log(level, msg, *args)

    def retry(self, request: httpx.Request, attempt: int, wait: float, cause: str) -> None:
        secrets = self._secrets()
        self.line(
            logging.WARNING, "retrying %s %s in %.1f s (retry %d of %d): %s",
            request.method, redact_url(request.url.copy_with(query=None), secrets), wait,
            attempt + 1, self._settings.retries, redact_text(cause, secrets),
        )

    def request(self, request: httpx.Request) -> None:
        """httpx's request hook."""
        if not self.enabled(logging.DEBUG):
            return
        try:
            body: bytes | str = request.content
        except httpx.RequestNotRead:
            body = "<streamed body>"
        secrets = self._secrets()
        log.debug(
            "HTTP request %s %s headers=%s body=%s", request.method, redact_url(request.url, secrets),
            redact_headers(request.headers, secrets), redact_body(body, secrets),
        )

    def response(self, response: httpx.Response) -> None:
        """httpx's response hook: a streamed reply's body stays unread."""
        if not self.enabled(logging.DEBUG):
            return
        request = response.request
        secrets = self._secrets()
        if request.extensions.get(STREAMED) and response.status_code < 300:
            log.debug("HTTP reply %s %s %s %s headers=%s body=<streamed>", response.status_code,
                      response.reason_phrase, request.method, redact_url(request.url, secrets),
                      redact_headers(response.headers, secrets))
            return
        read_within(response, self._settings.max_reply_bytes, self._settings.name)
        log.debug(
            "HTTP reply %s %s %s %s in %.0f ms headers=%s body=%s", response.status_code,
            response.reason_phrase, request.method, redact_url(request.url, secrets),
            response.elapsed.total_seconds() * 1000.0, redact_headers(response.headers, secrets),
            redact_body(response.content, secrets),
        )
