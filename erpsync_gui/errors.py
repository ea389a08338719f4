"""The product's exception tree.

Low-level failures (httpx, SQLAlchemy, socket) are translated at the boundary into the most specific
class below. The engine decides what to do with a failure by its class, never by parsing its text::

    ERPSyncError
     ├── ConfigError                 settings are wrong or missing; a person must fix them (CLI exit 2)
     │    ├── MissingSecretError     a secret the endpoint needs is not in the keyring
     │    ├── KeyringUnavailableError  no OS keyring works on this machine
     │    └── MissingClientTokenError  an advanced REST entity without the client token
     ├── MappingError                one record cannot be mapped (per-record, never fatal)
     │    └── CurrencyMappingError   a price or amount names a currency with no mapping
     ├── StoreError                  the state database failed
     └── ConnectorError              an external system said no, or could not be reached
          ├── RetryableError         worth trying again later: network, 5xx, 429
          │    ├── RateLimitedError  429 / quota; carries retry_after seconds
          │    │    └── QuotaExhaustedError  a daily (or longer) quota is used up: the run ends as partial
          │    ├── CircuitOpenError  too many consecutive failures on one endpoint: the run stops
          │    └── OutcomeUnknownError  a write may or may not have happened (timeout mid-POST)
          ├── PermanentError         retrying will not help: validation, 4xx
          │    ├── MalformedReplyError  the system's reply cannot be read (bad JSON, a bad id, too deep)
          │    ├── NotFoundError
          │    ├── StaleVersionError   the record changed since we read it (optimistic lock)
          │    └── DuplicateError      the target already holds this natural key
          └── AuthError              401/403, expired or rejected credentials (fatal for the run)
               └── CredentialsExpiredError  the refresh token was rejected: a person must log in again
"""

from __future__ import annotations


class ERPSyncError(Exception):
    """Base of every error the product raises on purpose."""

    #: short machine-readable kind used for grouping errors; subclasses override
    kind = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: what a person can do about it, shown next to the message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(ERPSyncError):
    kind = "config"


class MissingSecretError(ConfigError):
    kind = "missing_secret"


class KeyringUnavailableError(ConfigError):
    kind = "keyring_unavailable"


class MissingClientTokenError(ConfigError):
    kind = "missing_client_token"


class MappingError(ERPSyncError):
    kind = "mapping"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class CurrencyMappingError(MappingError):
    kind = "currency_mapping"


class StoreError(ERPSyncError):
    kind = "store"


class ConnectorError(ERPSyncError):
    kind = "connector"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        hint: str | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        #: HTTP status (or None for non-HTTP systems)
        self.status = status
        #: the remote system's own error text, already redacted
        self.details = details


class RetryableError(ConnectorError):
    kind = "retryable"


class RateLimitedError(RetryableError):
    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class QuotaExhaustedError(RateLimitedError):
    """The endpoint's quota for a period is used up; the run ends cleanly and resumes from its cursor."""

    kind = "quota_exhausted"

    def __init__(self, message: str, *, resumes_at=None, **kw) -> None:
        super().__init__(message, **kw)
        #: aware datetime when requests are allowed again (None: unknown)
        self.resumes_at = resumes_at


class CircuitOpenError(RetryableError):
    """An endpoint failed too many times in a row; calls are refused until it cools down."""

    kind = "circuit_open"


class OutcomeUnknownError(RetryableError):
    """A write was sent but no answer came back: it may or may not have taken effect."""

    kind = "outcome_unknown"


class PermanentError(ConnectorError):
    kind = "permanent"


class MalformedReplyError(PermanentError):
    """A reply that cannot be read: not JSON, too deep or too large, or a record without a usable id.
    `reply` is a short, redacted excerpt of what came back; the message quotes it."""

    kind = "malformed_reply"

    def __init__(self, message: str, *, reply: str | None = None, **kw) -> None:
        super().__init__(f"{message} (reply: {reply})" if reply else message, **kw)
        self.reply = reply


class NotFoundError(PermanentError):
    kind = "not_found"


class StaleVersionError(PermanentError):
    kind = "stale_version"


class DuplicateError(PermanentError):
    kind = "duplicate"

    def __init__(self, message: str, *, existing_id: str | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.existing_id = existing_id


class AuthError(ConnectorError):
    kind = "auth"


class CredentialsExpiredError(AuthError):
    """The authorization server rejected the refresh token (`invalid_grant`): the endpoint's status
    becomes "expired" and an admin must log in again (`erpsync auth login`)."""

    kind = "expired"
