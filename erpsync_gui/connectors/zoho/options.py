"""The Zoho CRM connector's own endpoint options, validated with pydantic; the HTTP and OAuth2 options
(`erpsync_gui.http.auth_factory.HTTP_OPTION_KEYS`, accounts_server among them) sit beside them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from erpsync_gui.connectors.zoho.modules import MAX_FIELDS, MODULES, ModuleName
from erpsync_gui.errors import ConfigError
from erpsync_gui.http.auth_factory import HTTP_OPTION_KEYS

FieldName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z$][A-Za-z0-9_$]{0,99}$")]
Trigger = Literal["workflow", "approval", "blueprint", "pathfinder", "orchestration"]


class ZohoOptions(BaseModel):
    """What an admin may set for a Zoho CRM endpoint; every field is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_domain: Annotated[str, StringConstraints(pattern=r"^https?://[^/\s]+$", max_length=200)] | None = Field(
        None, description="the API server (https://www.zohoapis.eu); normally the sign-in's token reply names it")
    page_size: int = Field(200, ge=1, le=200, description="records per list request (Zoho allows 200)")
    write_batch: int = Field(100, ge=1, le=100, description="records per insert/update/upsert call (at most 100)")
    extra_fields: dict[ModuleName, list[FieldName]] = Field(
        default_factory=dict, max_length=7,
        description="custom fields to read besides the documented ones, per module (50 field names in all)")
    duplicate_check_fields: dict[ModuleName, Annotated[list[FieldName], Field(min_length=1, max_length=10)]] = Field(
        default_factory=dict, max_length=7, description="the fields an upsert matches existing records on, per module")
    triggers: list[Trigger] | None = Field(
        None, max_length=5, description="automations a write runs ([] runs none; unset: Zoho's default, all)")
    if_unmodified_since: bool = Field(
        True, description="send If-Unmodified-Since with each update so Zoho can refuse a write over a newer edit")
    deleted_type: Literal["all", "recycle", "permanent"] = Field(
        "all", description="which deleted records the changes feed reports")

    @field_validator("extra_fields")
    @classmethod
    def _at_most_50(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for module, names in value.items():
            total = len(dict.fromkeys((*MODULES[module].api_fields, *names)))
            if total > MAX_FIELDS:
                raise ValueError(f"{module} would read {total} fields; Zoho reads at most {MAX_FIELDS}")
        return value

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ZohoOptions:
        """The connector's own keys of `options`; a ConfigError lists every problem with its path."""
        own = {k: v for k, v in options.items() if k not in HTTP_OPTION_KEYS}
        try:
            return cls.model_validate(own)
        except ValidationError as exc:
            raise ConfigError("the Zoho CRM endpoint's options are not valid: " + problems(exc),
                              hint="fix them in the endpoint settings") from None


def problems(exc: ValidationError) -> str:
    """Each validation problem as `path: message`, joined by semicolons."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors())
