"""The SQL connector's endpoint options, typed: every option it reads, in one place.

=====================  ===================  ==========  ===============================================
option                 type                 default     meaning
=====================  ===================  ==========  ===============================================
preset                 "perfex" | "none"    "perfex"    which tables hold the entities, and whose rules
                                                        apply (Perfex's defaults, numbering, side rows)
channel_value          text (1-50)          "erpsync"   the external_channel stamped on rows we create
tables                 {entity: {...}}      {}          per entity: table, id, updated, created, keys
                                                        (names the database must have)
schema                 text | null          null        the database schema (PostgreSQL) holding the tables
cursor_overlap_s       number 0..3600       2.0         seconds a read re-reads before the stored cursor
timezone               IANA name | null     null        the zone the CRM writes its naive datetimes in;
                                                        null: the preset's setting (Perfex's
                                                        tbloptions.default_timezone), else UTC
replace_4byte_chars    bool                 false       in utf8mb3 columns, write U+FFFD for each 4-byte
                                                        character instead of refusing the record
perfex_defaults        {name: id}           {}          the "perfex" preset's choices for values Perfex
                                                        requires and the mapping leaves empty:
  .ticket_department   int >= 1             first row   tbldepartments.departmentid of new tickets
  .ticket_priority     int >= 1             first row   tbltickets_priorities.priorityid of new tickets
  .ticket_status       int >= 1             1 (Open)    tbltickets_status.ticketstatusid of new tickets
  .lead_status         int >= 1             see below   tblleads_status.id of new leads (tbloptions
                                                        leads_default_status, else the first status
                                                        that is not the converted-customer one)
  .lead_source         int >= 1             see below   tblleads_sources.id of new leads (tbloptions
                                                        leads_default_source, else the first row)
  .payment_mode        text (1-40)          first row   tblpayment_modes.id of new payments
  .project_billing_type int 1..3            1           1 fixed rate, 2 project hours, 3 task hours
  .project_members     [int >= 1]           first admin tblstaff ids made members of new projects
  .tax_name            text (1-100)         "Tax"       the tblitem_tax name of a line tax whose rate no
                                                        tbltaxes row has
=====================  ===================  ==========  ===============================================

Unknown top-level keys are left alone (the options table of an endpoint is shared with older settings,
such as a `table_prefix` written by earlier profile files); the keys above are checked, and a wrong value
is a ConfigError naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from erpsync_gui.connectors.sql_clock import DEFAULT_OVERLAP_S
from erpsync_gui.errors import ConfigError


class PerfexDefaults(BaseModel):
    """Which of the database's own rows new records take where Perfex requires a value (see the table above)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ticket_department: int | None = Field(None, ge=1, description="department of new tickets")
    ticket_priority: int | None = Field(None, ge=1, description="priority of new tickets")
    ticket_status: int | None = Field(None, ge=1, description="status of new tickets")
    lead_status: int | None = Field(None, ge=1, description="status of new leads")
    lead_source: int | None = Field(None, ge=1, description="source of new leads")
    payment_mode: str | None = Field(None, min_length=1, max_length=40, description="payment mode of new payments")
    project_billing_type: int = Field(1, ge=1, le=3, description="billing type of new projects")
    project_members: tuple[int, ...] | None = Field(None, max_length=50, description="staff ids of new projects")
    tax_name: str = Field("Tax", min_length=1, max_length=100, description="name of a line tax without a tbltaxes row")


class SqlOptions(BaseModel):
    """What the SQL connector reads from the endpoint's options."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    preset: Literal["perfex", "none"] = Field("perfex", description="the tables and rules of a known CRM")
    channel_value: str = Field("erpsync", min_length=1, max_length=50, description="our external_channel")
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict, max_length=100,
                                              description="per-entity table settings")
    schema_: str | None = Field(None, alias="schema", min_length=1, max_length=63, description="database schema")
    cursor_overlap_s: float = Field(DEFAULT_OVERLAP_S, ge=0, le=3600, description="re-read before the cursor")
    timezone: str | None = Field(None, min_length=1, max_length=64, description="zone of naive datetimes")
    replace_4byte_chars: bool = Field(False, description="U+FFFD for 4-byte characters in utf8mb3 columns")
    perfex_defaults: PerfexDefaults = Field(default_factory=PerfexDefaults, description="Perfex's choices")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @classmethod
    def from_endpoint(cls, options: Mapping[str, Any] | None) -> SqlOptions:
        """Validated options; a wrong value is a ConfigError naming the option."""
        given = {k: v for k, v in (options or {}).items() if v is not None or k == "schema"}
        if "preset" in given and not given["preset"]:
            given.pop("preset")
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}"
                                 for e in exc.errors())
            raise ConfigError(f"the SQL endpoint's options are not valid: {problems}",
                              hint="fix them in the endpoint settings") from None


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError naming it when this machine knows no such zone."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Bucharest)") from None
