"""The Tryton connector's options, typed. The endpoint's options table also carries the HTTP layer's keys
(TLS, proxy, rate limits, circuit breaker: erpsync_gui/http/auth_factory.py); those are left to it, and
any other unknown key is refused, so a misspelt option is an error rather than silently ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from erpsync_gui.errors import ConfigError

#: option keys the HTTP layer reads
HTTP_KEYS = frozenset({
    "verify", "ca_bundle", "proxy", "connect_timeout_s", "total_timeout_s", "backoff_s", "rate_limits",
    "rate_limit_preset", "rate_limit_key", "circuit_breaker", "client_cert", "client_key",
})


class TrytonOptions(BaseModel):
    """What the connector needs to know besides the URL and the password."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database: str | None = Field(
        None, min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        description="the Tryton database; when unset, the first segment of the URL's path")
    username: str = Field("admin", min_length=1, max_length=128, description="the Tryton user to log in as")
    language: str | None = Field(None, min_length=2, max_length=10,
                                 description="the language code of the session (the user's own when unset)")
    company: int | None = Field(None, ge=1, description="id of the company to work in (the user's current one "
                                                        "when unset)")
    warehouse: int | None = Field(None, ge=1, description="id of the warehouse (stock.location) for sales and "
                                                          "the default for stock")
    context: dict[str, Any] = Field(default_factory=dict, max_length=50,
                                    description="entries laid over the user's context on every call")
    page_size: int = Field(200, ge=1, le=5000, description="records per search_read call")
    rpc_path: Literal["auto", "rpc", "legacy"] = Field(
        "auto", description="where JSON-RPC lives: /<db>/rpc/ (rpc), /<db>/ (legacy), or try both (auto)")
    cursor_overlap_s: float = Field(
        5.0, ge=0, le=3600, description="seconds re-read before a stored cursor, for writes whose transaction "
                                        "began before the cursor's record was written")
    payment_term: int | None = Field(None, ge=1, description="payment term id for sales and invoices "
                                                             "created without one")
    account_category: int | None = Field(None, ge=1, description="accounting product category id for "
                                                                 "products created without one")
    revenue_account: int | None = Field(None, ge=1, description="account id for invoice lines without a "
                                                                "product (the product's revenue account otherwise)")
    sale_state: Literal["draft", "quotation", "confirmed"] = Field(
        "quotation", description="how far a created sale is taken: quoted (a proforma) or confirmed")
    invoice_state: Literal["draft", "validated", "posted"] = Field(
        "draft", description="how far a created invoice is taken")
    unit: str = Field("u", min_length=1, max_length=16,
                      description="symbol of the unit of measure for products created without one")

    @classmethod
    def from_endpoint(cls, options: Mapping[str, Any] | None) -> TrytonOptions:
        """Validated options; a wrong or unknown key is a ConfigError naming it."""
        own = {k: v for k, v in (options or {}).items() if k not in HTTP_KEYS}
        try:
            return cls.model_validate(own)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}"
                                 for e in exc.errors())
            raise ConfigError(f"the Tryton options are not valid: {problems}",
                              hint="fix them in the endpoint settings") from None
