"""The Siagh connector's own settings, read from EndpointConfig.options with a pydantic model.

The HTTP options (verify, proxy, timeouts, rate limits, circuit breaker, client certificate) sit beside
them in the same table and are read by erpsync_gui/http/auth_factory.py; every other key must be one of
the fields below, so a misspelt setting is reported instead of silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from erpsync_gui.errors import ConfigError

#: option keys the shared HTTP layer reads (erpsync_gui/http/auth_factory.py, ratelimit.py)
HTTP_OPTION_KEYS = frozenset({
    "verify", "ca_bundle", "proxy", "connect_timeout_s", "total_timeout_s", "backoff_s", "rate_limits",
    "rate_limit_preset", "rate_limit_key", "circuit_breaker", "client_cert", "client_key",
})


class PreInvoiceDefaults(BaseModel):
    """Header values of a sales pre-invoice (form 43D81) used when the mapping gives none."""

    model_config = ConfigDict(extra="forbid")

    hssanadstate: str = Field("8", min_length=1, max_length=10, description="document state; 8 in every request seen")
    codenoeesanad: str = Field("2", min_length=1, max_length=10, description="document type; 2 = sales pre-invoice")
    codesalemodel: str | None = Field(None, max_length=20, description="sale model code (site-specific)")
    codenoeepardakht: str = Field("2", min_length=1, max_length=10, description="payment type; 1 cash, 2 cheque")
    codemarkazforush: str | None = Field(
        None, max_length=20, description="sales centre code; Siagh's form script fails without one")
    codenoeeforush: str = Field("1", min_length=1, max_length=10, description="sale type; 1 = informal")
    codevaseteh: str | None = Field(
        None, max_length=20, description="intermediary code; Siagh's form script fails without one")
    namenoesanad: str = Field("پیش فاکتور فروش", min_length=1, max_length=200,
                              description="document-type name shown in Siagh")


class SiaghOptions(BaseModel):
    """Settings of one Siagh endpoint."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=1, max_length=100,
                          description="the Siagh user name, sent as typed (it may be Persian: مدیر سیستم)")
    page_size_max: int = Field(500, ge=1, le=5000,
                               description="largest page of contacts handed to the engine from the unpaged list")
    max_contacts: int = Field(1_000_000, ge=1, le=10_000_000,
                              description="a contact list longer than this is refused as a runaway reply")
    time_zone: str = Field("Asia/Tehran", min_length=1, max_length=64,
                           description="the zone of Siagh's SystemDate and SystemTime")
    pre_invoice: PreInvoiceDefaults = Field(default_factory=PreInvoiceDefaults,
                                            description="header defaults of sales pre-invoices")

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> SiaghOptions:
        """The validated settings; a ConfigError lists every problem with its path."""
        own = {k: v for k, v in (options or {}).items() if k not in HTTP_OPTION_KEYS}
        try:
            return cls.model_validate(own)
        except ValidationError as exc:
            raise config_error("Siagh", exc) from None


def config_error(system: str, exc: ValidationError) -> ConfigError:
    """A ConfigError naming each invalid setting by its path ("pre_invoice.codevaseteh: ...")."""
    problems = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "(options)"
        problems.append(f"{path}: {error['msg']}")
    count = len(problems)
    head = f"the {system} endpoint's settings have {count} problem{'s' if count != 1 else ''}"
    return ConfigError(head + ":\n" + "\n".join(f"  - {p}" for p in problems),
                       hint="fix the endpoint's options and save them again")
