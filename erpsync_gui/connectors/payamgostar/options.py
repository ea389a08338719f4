"""The Payamgostar connector's own settings, read from EndpointConfig.options with a pydantic model.

The HTTP options (verify, proxy, timeouts, rate limits, circuit breaker, client certificate) sit beside
them and are read by erpsync_gui/http/auth_factory.py; `webhook` holds the webhook receiver's settings
(erpsync_gui/app/webhooks/settings.py). Any other key must be one of the fields below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from erpsync_gui.errors import ConfigError

#: option keys the shared HTTP layer reads, and the receiver's table
OTHER_KEYS = frozenset({
    "verify", "ca_bundle", "proxy", "connect_timeout_s", "total_timeout_s", "backoff_s", "rate_limits",
    "rate_limit_preset", "rate_limit_key", "circuit_breaker", "client_cert", "client_key", "webhook",
})


class PayamgostarOptions(BaseModel):
    """Settings of one Payamgostar endpoint (REST API v2)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=1, max_length=200, description="the CRM user the API logs in as")
    device_id: str = Field("ERPSync", min_length=1, max_length=100, description="deviceId sent at login")
    platform_type: int = Field(1, ge=0, le=4, description="platformType sent at login (1 was accepted live)")
    person_type_code: str = Field("person", min_length=1, max_length=100,
                                  description="crmObjectTypeCode of new persons (set per tenant)")
    organization_type_code: str = Field("organization", min_length=1, max_length=100,
                                        description="crmObjectTypeCode of new organizations (set per tenant)")
    categories: list[str] = Field(default_factory=list, max_length=20,
                                  description="category keys given to new identities (one tenant used syaghcontact)")
    quote_type_codes: list[str] = Field(default_factory=list, max_length=50,
                                        description="crmObjectTypeCode values of the quotes to sync; empty: all")
    time_zone: str = Field("Asia/Tehran", min_length=1, max_length=64,
                           description="the zone of creatDate/modifyDate, which carry no offset")
    page_size: int = Field(500, ge=1, le=1000, description="rows per identity/search page")
    token_lifetime_s: int = Field(7200, ge=60, le=86400,
                                  description="token lifetime when the login reply's expiresAt cannot be read")
    refresh_margin_s: int = Field(300, ge=0, le=3600, description="log in again this long before the token expires")

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> PayamgostarOptions:
        own = {k: v for k, v in (options or {}).items() if k not in OTHER_KEYS}
        try:
            return cls.model_validate(own)
        except ValidationError as exc:
            raise _config_error(exc) from None


def _config_error(exc: ValidationError) -> ConfigError:
    problems = [f"{'.'.join(str(p) for p in e['loc']) or '(options)'}: {e['msg']}" for e in exc.errors()]
    head = f"the Payamgostar endpoint's settings have {len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return ConfigError(head + ":\n" + "\n".join(f"  - {p}" for p in problems),
                       hint="fix the endpoint's options and save them again")
