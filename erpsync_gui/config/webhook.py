"""The webhook receiver's settings, typed: the `webhook` table of a profile's CRM endpoint options. The
listener binds 127.0.0.1 unless told otherwise; a LAN address is an explicit choice, which the listener
warns about in the log.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig


class WebhookSettings(BaseModel):
    """How the receiver listens, whom it accepts and how it paces the syncs."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="start the receiver with the app or the service")
    host: str = Field("127.0.0.1", min_length=1, max_length=64, description="address to listen on")
    port: int = Field(8765, ge=1, le=65535, description="port to listen on")
    path: str = Field("/webhook/crm", min_length=1, max_length=200,
                      description="path before the secret token: calls go to <path>/<token>")
    kind: str = Field("payamgostar", min_length=1, max_length=40,
                      description="which verifier reads the calls (payamgostar, quickbooks, zoho)")
    allow: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"], max_length=100,
                             description="source addresses or networks (CIDR) allowed to call")
    rate_per_minute: int = Field(600, ge=1, le=100_000,
                                 description="calls accepted per source and minute (a bulk edit in the CRM sends many)")
    debounce_s: float = Field(2.0, ge=0, le=600, description="quiet time after a record's last event before it syncs")
    dedupe_window_s: float = Field(10.0, ge=0, le=3600,
                                   description="an event repeating one synced this long ago is a duplicate")
    poll_minutes: float = Field(5.0, gt=0, le=1440, description="polling interval that covers missed events")
    #: the caller's record types -> the product's entities
    entities: dict[str, str] = Field(default_factory=lambda: {"Identity": "clients", "Quote": "orders"},
                                     description="the caller's record type -> the entity that syncs it")
    channel_id: str | None = Field(None, max_length=40, description="Zoho: the notification channel expected")

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or "?" in value or "#" in value:
            raise ValueError("must start with / and hold no ? or #")
        return value.rstrip("/") or "/"

    @field_validator("allow")
    @classmethod
    def _allow(cls, values: list[str]) -> list[str]:
        for value in values:
            ipaddress.ip_network(value, strict=False)  # ValueError names the bad one
        return values

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> WebhookSettings:
        try:
            return cls.model_validate(dict(options or {}))
        except ValidationError as exc:
            problems = [f"webhook.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            text = "\n".join(f"  - {p}" for p in problems)
            raise ConfigError(f"the webhook receiver's settings have problems:\n{text}",
                              hint="fix them in the CRM endpoint's options") from None

    @classmethod
    def of(cls, profile: ProfileConfig) -> WebhookSettings:
        """The settings stored with a profile (the `webhook` table of its CRM endpoint's options)."""
        return cls.from_options((profile.crm.options or {}).get("webhook"))

    def is_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"
