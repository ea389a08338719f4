"""The shared HTTP layer: one pooled client per endpoint with retries, Retry-After, auth flows,
error translation into `erpsync_gui.errors` and redacted logging. No connector hand-rolls these."""

from erpsync_gui.http.auth import ApiKeyAuth, BasicAuth, BearerAuth, auth_secrets
from erpsync_gui.http.client import HttpClient, HttpSettings, build_client
from erpsync_gui.http.redact import redact_headers, redact_json, redact_text, redact_url

__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "HttpClient",
    "HttpSettings",
    "auth_secrets",
    "build_client",
    "redact_headers",
    "redact_json",
    "redact_text",
    "redact_url",
]
