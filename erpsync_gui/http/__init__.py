"""The shared HTTP layer: one pooled client per endpoint with retries, Retry-After, rate limits, a circuit
breaker, auth flows of every kind (auth_factory.py), error translation into `erpsync_gui.errors` and
redacted logging. No connector hand-rolls these."""

from erpsync_gui.http.auth import ApiKeyAuth, BasicAuth, BearerAuth, auth_secrets
from erpsync_gui.http.circuit import CircuitBreaker
from erpsync_gui.http.client import HttpClient, build_client
from erpsync_gui.http.client_cert import ClientCertificate
from erpsync_gui.http.ratelimit import RateLimits
from erpsync_gui.http.redact import redact_headers, redact_json, redact_text, redact_url
from erpsync_gui.http.settings import HttpSettings

__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "CircuitBreaker",
    "ClientCertificate",
    "HttpClient",
    "HttpSettings",
    "RateLimits",
    "auth_secrets",
    "build_client",
    "redact_headers",
    "redact_json",
    "redact_text",
    "redact_url",
]
