"""The SQL connector's endpoint options, typed. Every table and column name here only *proposes* a name:
the connector checks each one against the reflected database before it uses it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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


class SqlOptions(BaseModel):
    """What an admin may set for a CRM database endpoint; every one optional."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    preset: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")] = Field(
        "perfex", description="a known table preset (perfex or none)")
    tables: dict[RemoteName, TableOverride] = Field(default_factory=dict)
    db_schema: ColumnName | None = Field(None, alias="schema", description="a database schema name")
    channel_value: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,50}$")] = Field(
        "erpsync", description="the text our origin marker's channel column carries")
    cursor_overlap_s: Annotated[float, seconds_range(0, 3600, "seconds re-read before the cursor")] = 2.0
