"""The SQL connector's endpoint options, typed. Every table and column name here only *proposes* a name:
the connector checks each one against the reflected database before it uses it."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from erpsync_gui.config.types import RemoteName, seconds_range

ColumnName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class TableOverride(BaseModel):
    """Where one entity lives when the preset does not know (or guesses wrong)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: ColumnName | None = Field(None, description="a table name")
    id: ColumnName | None = Field(None, description="the table's id column")
    updated: ColumnName | Annotated[str, StringConstraints(max_length=0)] | None = Field(
        None, description="the column with the row's modification time ('' for none)")
    created: ColumnName | Annotated[str, StringConstraints(max_length=0)] | None = Field(
        None, description="the column with the row's creation time ('' for none)")
    keys: list[ColumnName] | None = None


class PerfexDefaults(BaseModel):
    """Which of the database's own rows new records take where Perfex requires a value the mapping leaves
    empty; each unset one is chosen from the database when the connector starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ticket_department: int | None = Field(
        None, ge=1, le=2**31 - 1, description="tbldepartments.departmentid of new tickets (unset: the first row)")
    ticket_priority: int | None = Field(
        None, ge=1, le=2**31 - 1, description="tbltickets_priorities.priorityid of new tickets (unset: the first row)")
    ticket_status: int | None = Field(
        None, ge=1, le=2**31 - 1, description="tbltickets_status.ticketstatusid of new tickets (unset: 1, Open)")
    lead_status: int | None = Field(
        None, ge=1, le=2**31 - 1, description="tblleads_status.id of new leads (unset: tbloptions "
                                              "leads_default_status, else the first status that is not "
                                              "the converted-customer one)")
    lead_source: int | None = Field(
        None, ge=1, le=2**31 - 1, description="tblleads_sources.id of new leads (unset: tbloptions "
                                              "leads_default_source, else the first row)")
    payment_mode: str | None = Field(
        None, min_length=1, max_length=40, description="tblpayment_modes.id of new payments (unset: the first row)")
    project_billing_type: int = Field(
        1, ge=1, le=3, description="billing type of new projects: 1 fixed rate, 2 project hours, 3 task hours")
    project_members: tuple[Annotated[int, Field(ge=1, le=2**31 - 1)], ...] | None = Field(
        None, max_length=50, description="tblstaff ids made members of new projects (unset: the first admin)")
    tax_name: str = Field(
        "Tax", min_length=1, max_length=100, description="the tblitem_tax name of a line tax whose rate no "
                                                         "tbltaxes row has")


class SqlOptions(BaseModel):
    """What an admin may set for a CRM database endpoint; every one optional."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    preset: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")] = Field(
        "perfex", description="a known table preset (perfex, smartcrm or none)")
    tables: dict[RemoteName, TableOverride] = Field(default_factory=dict)
    db_schema: ColumnName | None = Field(None, alias="schema", description="a database schema name")
    channel_value: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,50}$")] = Field(
        "erpsync", description="the text our origin marker's channel column carries")
    cursor_overlap_s: Annotated[float, seconds_range(0, 3600, "seconds re-read before the cursor")] = 2.0
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="the IANA zone the CRM writes its naive datetimes in (unset: the preset's setting, "
                          "Perfex's tbloptions.default_timezone, else UTC)")
    replace_4byte_chars: bool = Field(
        False, description="in utf8mb3 columns, write U+FFFD for each 4-byte character instead of refusing "
                           "the record")
    perfex_defaults: PerfexDefaults = Field(
        default_factory=PerfexDefaults, description="the perfex preset's choices for values Perfex requires")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError naming it when this machine knows no such zone."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Bucharest)") from None
