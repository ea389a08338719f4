"""The generic REST ERP connector's own endpoint options, typed (the HTTP and auth options sit beside them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from erpsync_gui.config.types import FieldName

PAGING_STYLES = ("page", "offset", "cursor")
#: a path below the base URL: words separated by slashes, nothing that climbs out of it
ApiPath = Annotated[str, StringConstraints(pattern=r"^(?:[A-Za-z0-9_.~-]+/?)*$", max_length=200)]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,100}$")]


class RestOptions(BaseModel):
    """The dialect's knobs; every one optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paging: Literal["page", "offset", "cursor"] = "page"
    id_field: FieldName = Field("id", description="the field that holds a record's id")
    updated_field: FieldName = Field("updated_at", description="the field with a record's modification time")
    version_field: FieldName = Field("version", description="the field with a record's version")
    txn_field: FieldName = Field("sync_txn", description="the field our transaction id is written to")
    list_key: FieldName = Field("data", description="the reply member that holds the records")
    page_size_max: int = Field(500, ge=1, le=10000, description="a whole number of records from 1 to 10000")
    api_path: ApiPath = Field("index.php/api/", description="a path below the URL such as index.php/api/")
    client_token_header: HeaderName = Field("X-Client-Token", description="an HTTP header name")
    origin_fields: tuple[FieldName, FieldName] = Field(
        ("external_id", "external_channel"), description="two fields: the source id and the channel")
    send_if_match: StrictBool = True
    archive_field: FieldName | Literal[""] = Field("active", description="the flag an archive sets to false")
    list_create: StrictBool = Field(
        False, description="the ERP takes a JSON list of records in one POST and answers with one item per record, "
        "in order, in its list member: the created record, or {\"error\": text, \"status\": code} for one it did "
        "not create. Off: one POST per record, all the dialect promises")
    list_create_max: int = Field(100, ge=1, le=1000, description="records per list POST, from 1 to 1000 (a batch "
                                 "larger than this goes as several lists)")
    lookup_query_max: int = Field(
        6000, ge=200, le=16000, description="the longest query string of one lookup, in characters (200 to "
        "16000): a batch's lookup goes in one request when it fits; lower it for a server that refuses long URLs "
        "(IIS takes 2048 by default)")

    @field_validator("api_path")
    @classmethod
    def _one_slash(cls, value: str) -> str:
        if ".." in value.split("/"):
            raise ValueError(f"{value!r} climbs out of the URL")
        path = value.strip("/")
        return f"{path}/" if path else ""
