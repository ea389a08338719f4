"""The settings of one endpoint's HTTP client: URL, timeouts, retries, TLS, proxy, limits and breaker."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import httpx

from erpsync_gui import __version__
from erpsync_gui.errors import ConfigError
from erpsync_gui.http.cert_pin import normalize_fingerprint
from erpsync_gui.http.circuit import DEFAULT_COOLDOWN, DEFAULT_FAILURES
from erpsync_gui.http.client_cert import ClientCertificate
from erpsync_gui.http.ratelimit import RateLimits
from erpsync_gui.http.redact import redact_url
from erpsync_gui.http.reply_size import DEFAULT_MAX_REPLY_BYTES
from erpsync_gui.http.retry import MAX_RETRY_AFTER

LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


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
    #: how messages name the endpoint ("the ERP endpoint")
    name: str = "the endpoint"
    #: seconds to establish a connection (None: `timeout`)
    connect_timeout: float | None = None
    #: the whole call's budget in seconds, retries and every wait included
    total_timeout: float = MAX_RETRY_AFTER
    #: a client certificate to present (client_cert.py)
    cert: ClientCertificate | None = None
    #: trust exactly the server certificate with this SHA-256 fingerprint (cert_pin.py), instead of `verify`
    pinned_sha256: str | None = None
    rate_limits: RateLimits = field(default_factory=RateLimits)
    #: the largest reply body held in memory (reply_size.py); a larger one is a MalformedReplyError
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    #: what the rate limit counts are shared by (default: the base URL)
    rate_limit_key: str | None = None
    #: consecutive failed calls that open the circuit (0: never), and the pause before a trial call
    breaker_failures: int = DEFAULT_FAILURES
    breaker_cooldown: float = DEFAULT_COOLDOWN
    #: seconds a 429 without Retry-After waits before it is sent again, where the system documents a wait
    #: (QuickBooks: 60 s); None: the usual backoff
    throttle_wait: float | None = None

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
        if self.connect_timeout is not None and not self.connect_timeout > 0:
            raise ConfigError(f"the connect timeout must be more than 0 seconds, not {self.connect_timeout}")
        if not self.total_timeout > 0:
            raise ConfigError(f"the total timeout must be more than 0 seconds, not {self.total_timeout}")
        if not isinstance(self.retries, int) or self.retries < 0:
            raise ConfigError(f"the number of retries must be 0 or more, not {self.retries}")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ConfigError("backoff times cannot be negative")
        if self.throttle_wait is not None and not 0 <= self.throttle_wait <= MAX_RETRY_AFTER:
            raise ConfigError(f"the wait after a 429 must be 0 to {MAX_RETRY_AFTER:g} s, not {self.throttle_wait}")
        if str(self.log_level).upper() not in LEVELS:
            raise ConfigError(f"unknown log level {self.log_level!r}; use one of {', '.join(LEVELS)}")
        if isinstance(self.verify, str) and not os.path.exists(self.verify):
            raise ConfigError(f"the CA bundle {self.verify} does not exist", hint="check the TLS settings")
        if self.cert is not None:
            self.cert.check()
        if self.pinned_sha256 is not None:
            object.__setattr__(self, "pinned_sha256", normalize_fingerprint(self.pinned_sha256))

    @property
    def label(self) -> str:
        """The endpoint's name and URL, for messages."""
        return f"{self.name} ({redact_url(self.base_url)})"
