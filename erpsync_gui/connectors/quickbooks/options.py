"""The QuickBooks Online connector's own endpoint options, validated with pydantic; the HTTP and OAuth2 options
(`erpsync_gui.http.auth_factory.HTTP_OPTION_KEYS`) sit beside them. `realm_id` is written by the sign-in
(the redirect's `realmId`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from erpsync_gui.errors import ConfigError
from erpsync_gui.http.auth_factory import HTTP_OPTION_KEYS


class QuickBooksOptions(BaseModel):
    """What an admin may set for a QuickBooks Online endpoint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    realm_id: Annotated[str, StringConstraints(pattern=r"^\d{1,32}$")] | None = Field(
        None, description="the company (realm) id; the sign-in stores it")
    minor_version: int = Field(75, ge=75, le=999, description="the minorversion every request names (75 or later)")
    page_size: int = Field(1000, ge=1, le=1000, description="MAXRESULTS of each query (QuickBooks allows 1,000)")
    batch_size: int = Field(10, ge=1, le=30, description="payloads per batch call (Intuit: 10; at most 30)")
    batches_per_minute: int = Field(40, ge=1, le=40, description="batch calls a minute per company (at most 40)")
    changes_via: Literal["cdc", "query"] = Field(
        "cdc", description="incremental reads by change data capture (deletes too) or by MetaData.LastUpdatedTime")
    cdc_days: int = Field(29, ge=1, le=30, description="how old a cursor CDC is asked for (it goes back 30 days)")
    throttle_wait_s: float = Field(60.0, ge=0, le=300, description="the wait after a 429 (Intuit: 60 s)")
    item_type: Literal["NonInventory", "Service"] = Field(
        "NonInventory", description="the Type of an Item created without one (QuickBooks requires it; Inventory "
        "items also need stock accounts, a quantity and a start date, so they are left to the mapping)")
    item_income_account: Annotated[str, StringConstraints(pattern=r"^\d{1,32}$")] | None = Field(
        None, description="the Account Id an Item created without one posts its sales to; empty: the company's "
        "active Income account of the item type's sub-type (SalesOfProductIncome, ServiceFeeIncome), else its first")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> QuickBooksOptions:
        """The connector's own keys of `options`; a ConfigError lists every problem with its path."""
        own = {k: v for k, v in options.items() if k not in HTTP_OPTION_KEYS}
        try:
            return cls.model_validate(own)
        except ValidationError as exc:
            raise ConfigError("the QuickBooks Online endpoint's options are not valid: " + problems(exc),
                              hint="fix them in the endpoint settings") from None


def problems(exc: ValidationError) -> str:
    """Each validation problem as `path: message`, joined by semicolons."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors())
