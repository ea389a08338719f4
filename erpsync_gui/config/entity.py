"""One entity of a profile, typed: direction, conflict policy, natural keys, field rows, currency mapping."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

from erpsync_gui.config.fields import FieldRowModel
from erpsync_gui.config.types import FieldName, RemoteName

#: a currency id as one side keeps it: a positive whole number, or an ISO 4217 code (QuickBooks, Zoho)
CurrencyId = Annotated[Annotated[int, Field(ge=1, le=2**31 - 1)] | Annotated[
    str, StringConstraints(pattern=r"^(?:[1-9][0-9]{0,9}|[A-Z]{3})$")],
    Field(description="a currency id: a whole number from 1, or an ISO code such as EUR")]
CurrencyKey = Annotated[str, StringConstraints(pattern=r"^(?:[1-9][0-9]{0,9}|[A-Z]{3})$"),
                        Field(description="an ERP currency id: a whole number from 1, or an ISO code such as EUR")]


class EntityModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool = True
    direction: Literal["import", "export", "both"] | None = None
    first_direction: Literal["import", "export", "both"] | None = Field(
        None, description="the direction of the entity's runs until its first sync has linked a record (a "
                          "one-time initial import), then `direction`")
    policy: Literal["crm_wins", "erp_wins", "newest_wins", "manual", "merge"] = "crm_wins"
    merge_fallback: Literal["crm_wins", "erp_wins", "newest_wins", "ask"] = Field(
        "ask", description="under the merge policy: who wins a field both sides changed (a row's own 'merge' "
                           "rule comes first)")
    brake_percent: Annotated[float, Field(
        ge=0, le=100, description="hold a run that would update or delete more than this percentage of the "
                                  "linked records")] = 20.0
    brake_records: Annotated[int, Field(
        ge=0, le=10_000_000, description="hold a run that would update or delete more than this many records")] = 500
    brake_min: Annotated[int, Field(
        ge=0, le=10_000_000, description="never hold a run that changes at most this many records")] = 10
    review_first_sync: StrictBool = True
    on_delete: Literal["ignore", "queue", "propagate"] = Field(
        "ignore", description="a record deleted on one side: leave the twin (ignore), ask a person (queue), or "
                              "delete or archive the twin (propagate)")
    match_keys: list[FieldName] | None = Field(None, min_length=1, description="CRM field names, tried in order "
                                                                               "(leave it out for none)")
    fields: list[FieldRowModel] = Field(default_factory=list)
    currency_mapping: dict[CurrencyKey, CurrencyId] = Field(default_factory=dict)
    batch_size: Annotated[int, Field(ge=1, le=1000, description="a whole number from 1 to 1000")] | None = None
    crm_name: RemoteName | None = Field(None, description="the entity's table, module or path name on the CRM")
    erp_name: RemoteName | None = Field(None, description="the entity's table, module or path name on the ERP")

    @model_validator(mode="after")
    def _consistent(self) -> EntityModel:
        crm_fields = [row.crm for row in self.fields]
        missing = [k for k in self.match_keys or () if k not in crm_fields]
        if missing and self.fields:
            raise ValueError(f"match key(s) {', '.join(map(repr, missing))} are not mapped CRM fields "
                             f"(mapped: {', '.join(crm_fields)})")
        targets: dict[object, str] = {}
        for erp_id, crm_id in self.currency_mapping.items():
            if str(crm_id) in targets:
                raise ValueError(f"currency_mapping: ERP currencies {targets[str(crm_id)]} and {erp_id} both map to "
                                 f"CRM currency {crm_id}")
            targets[str(crm_id)] = erp_id
        return self
