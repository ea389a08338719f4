"""The SAP Business One connector's own options, read from EndpointConfig.options.

Only the keys below are read here; the login (username, company_db, login_path ...) is the `session`
auth kind's and the HTTP settings (verify, trust_cert_sha256, proxy, rate_limits ...) are the HTTP
layer's (erpsync_gui/http/auth_factory.py): they sit beside these in the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from erpsync_gui.connectors.sap_b1.odata import zone
from erpsync_gui.errors import ConfigError


class SapB1Options(BaseModel):
    """How to talk to one Service Layer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal["v1", "v2"] | None = Field(
        None, description="Service Layer version: v1 (OData v3) or v2 (OData v4); empty: taken from the URL "
                          "(/b1s/v1 or /b1s/v2), else v2")
    timezone: str = Field(
        "UTC", min_length=1, max_length=64,
        description="IANA time zone of the server's local clock, in which UpdateDate/UpdateTime are written")
    max_page_size: int = Field(1000, ge=1, le=5000, description="the most records per page asked of the server")
    page_size_header: Literal["prefer", "b1s"] = Field(
        "prefer", description="how the page size is asked: Prefer: odata.maxpagesize=N, or B1S-PageSize: N")
    batch_size: int = Field(50, ge=1, le=500, description="creates per $batch changeset (all-or-nothing)")
    lookup_chunk: int = Field(20, ge=1, le=100, description="values per lookup filter (key eq a or key eq b ...)")
    customers_only: bool = Field(True, description="clients are business partners with CardType cCustomer")
    restarts: int = Field(3, ge=0, le=20, description="times one read starts again when records move under it")
    service_account: str | None = Field(
        None, min_length=1, max_length=15, pattern=r"^[^\x00-\x1f]+$",
        description="G/L account (AccountCode) of service lines: a document from the other side whose lines name "
                    "no item is written as a service document (DocType dDocument_Service) booked to it; empty: "
                    "such documents are not sent to SAP")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None
        return value


def problems(exc: ValidationError) -> str:
    """Each pydantic problem as `path: message`, joined for a ConfigError."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}" for err in exc.errors())


def read_options(options: Mapping[str, Any]) -> SapB1Options:
    """The connector's options from the endpoint's table; a ConfigError lists each problem with its path."""
    own = {k: v for k, v in (options or {}).items() if k in SapB1Options.model_fields}
    try:
        return SapB1Options(**own)
    except ValidationError as exc:
        raise ConfigError(f"the SAP Business One options are not valid: {problems(exc)}",
                          hint="fix the endpoint's options") from None
