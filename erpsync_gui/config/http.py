"""The options every HTTP endpoint takes, whatever its connector: TLS, proxy, timeouts, retries' pace, rate
limits and the circuit breaker. Read by erpsync_gui.http.auth_factory when it builds an endpoint's client."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from erpsync_gui.config.types import HttpUrl, no_password_in_url, seconds_range

Count = Annotated[int, Field(ge=1, le=10_000_000, description="a whole number of requests from 1 to 10000000")]


class RateLimitsModel(BaseModel):
    """Requests allowed per period, and at once; left out: no limit of that kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_second: Count | None = None
    per_minute: Count | None = None
    per_hour: Count | None = None
    per_day: Count | None = None
    concurrent: Annotated[int, Field(ge=1, le=1000, description="a whole number from 1 to 1000")] | None = None
    max_wait: Annotated[float, seconds_range(0, 3600, "the longest wait for a slot in seconds")] | None = None


class CircuitBreakerModel(BaseModel):
    """Failed calls in a row that stop calls to the endpoint for a while (0: never)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    failures: Annotated[int, Field(ge=0, le=1000, description="a whole number from 0 to 1000")] = 5
    cooldown_s: Annotated[float, seconds_range(0, 3600, "a pause in seconds")] = 30.0


class HttpOptions(BaseModel):
    """Transport settings of an HTTP endpoint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verify: bool | Annotated[str, StringConstraints(min_length=1, max_length=1000)] = Field(
        True, description="true, false, or the path of a CA bundle that signs the server's certificate")
    ca_bundle: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = Field(
        None, description="the path of a CA bundle (as verify = <path>)")
    trust_cert_sha256: Annotated[str, StringConstraints(pattern=r"^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$")] | None = \
        Field(None, description="the SHA-256 fingerprint of the one certificate to trust (a self-signed server)")
    proxy: Annotated[HttpUrl, AfterValidator(no_password_in_url)] | None = Field(
        None, description="an http:// or https:// proxy URL (left out: the system's proxy settings)")
    connect_timeout_s: Annotated[float, seconds_range(0.1, 600, "a connect timeout in seconds")] | None = None
    total_timeout_s: Annotated[float, seconds_range(1, 86400, "a whole call's time budget in seconds")] | None = None
    backoff_s: Annotated[float, seconds_range(0, 60, "a first retry pause in seconds")] | None = None
    rate_limits: RateLimitsModel | None = None
    rate_limit_preset: Literal["quickbooks", "zoho", "sap_b1", "rest"] | None = None
    rate_limit_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="a text that endpoints sharing one quota have in common")
    circuit_breaker: CircuitBreakerModel | None = None
    max_reply_mb: Annotated[int, Field(ge=1, le=2048, description="a whole number of megabytes from 1 to 2048")] | \
        None = Field(None, description="the largest reply read into memory (default 64 MB)")
    client_cert: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = Field(
        None, description="a client certificate file (PEM, or .p12/.pfx with its password in the keyring)")
    client_key: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = Field(
        None, description="the client certificate's key file (PEM), when it is a separate file")
