"""The Tally connector's own options, read from EndpointConfig.options (the HTTP ones such as proxy or
rate_limits sit beside them and are read by erpsync_gui/http/auth_factory.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from erpsync_gui.errors import ConfigError

#: names that go into TDL formulas as string literals: no double quotes, no control characters
_NAME = r'^[^"\x00-\x1f]+$'


class TallyOptions(BaseModel):
    """How to talk to one TallyPrime."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    company: str | None = Field(None, min_length=1, max_length=200,
                                description="the company to work in (it must be open in Tally); empty: the active one")
    encoding: Literal["utf-16", "utf-8"] = Field("utf-16", description="the request body's encoding")
    from_date: date | None = Field(None, description="first day of vouchers to read; empty: two years back")
    to_date: date | None = Field(None, description="last day of vouchers to read; empty: a year ahead")
    chunk_days: int = Field(31, ge=1, le=366, description="days per voucher export (Tally has no paging)")
    batch_size: int = Field(100, ge=1, le=1000, description="masters per import request")
    lookup_chunk: int = Field(50, ge=1, le=500, description="names per lookup filter")
    debtors_group: str = Field("Sundry Debtors", min_length=1, max_length=200, pattern=_NAME,
                               description="the group whose ledgers (and its sub-groups') are the clients")
    sales_type: str = Field("Sales", min_length=1, max_length=100, pattern=_NAME,
                            description="voucher type of sales invoices")
    sales_order_type: str = Field("Sales Order", min_length=1, max_length=100, pattern=_NAME,
                                  description="voucher type of sales orders")
    sales_ledger: str = Field("Sales", min_length=1, max_length=200, pattern=_NAME,
                              description="the ledger a sales invoice's stock lines are credited to")
    receipt_type: str = Field("Receipt", min_length=1, max_length=100, pattern=_NAME,
                              description="voucher type of receipts")

    @model_validator(mode="after")
    def _ordered(self) -> TallyOptions:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ValueError("from_date is after to_date")
        return self


def read_options(options: Mapping[str, Any]) -> TallyOptions:
    """The connector's options from the endpoint's table; a ConfigError lists each problem with its path."""
    own = {k: v for k, v in (options or {}).items() if k in TallyOptions.model_fields}
    try:
        return TallyOptions(**own)
    except ValidationError as exc:
        listed = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"the Tally options are not valid: {listed}", hint="fix the endpoint's options") from None
