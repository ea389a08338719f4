"""One row of an entity's field mapping, typed: which CRM field goes to which ERP field, as what type, through
which transforms and value maps, with which default and empty-value rule. The mapping (erpsync_gui.mapping)
builds its FieldMap values from these.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

from erpsync_gui.config.types import EntityName, FieldName
from erpsync_gui.mapping.transforms import ARITHMETIC_TRANSFORMS, NUMBER_TRANSFORMS, TEXT_TRANSFORMS, parse_transform
from erpsync_gui.mapping.types import TYPES, key

TypeName = Literal["text", "number", "integer", "date", "datetime", "boolean", "lookup", "picklist", "currency",
                   "price", "lines"]
assert set(TypeName.__args__) == set(TYPES), "the row model and the mapping types disagree"  # type: ignore[attr-defined]
EmptyRule = Literal["null", "omit", "default"]
_TEXT_TYPES = ("text", "picklist")
_NUMBER_TYPES = ("number", "integer", "price")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return value


#: one value of a value map or a default: a text, a number or true/false, never a list or table
Scalar = Annotated[str | bool | int | float | None, AfterValidator(_finite),
                   Field(description="a single value: a text, a number or true/false")]
ValueMap = dict[Annotated[str, StringConstraints(max_length=500)], Scalar]


def _transform(spec: str) -> str:
    parse_transform(spec)  # ValueError says what is wrong
    return spec


Transform = Annotated[str, StringConstraints(max_length=200), AfterValidator(_transform)]


class FieldRowModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    crm: FieldName = Field(description="a field name (letters, digits, _ and $; dots between parts)")
    erp: FieldName = Field(description="a field name (letters, digits, _ and $; dots between parts)")
    type: TypeName = "text"
    transform: list[Transform] | None = None
    transform_to_crm: list[Transform] | None = None
    value_map: ValueMap | None = None
    value_map_to_crm: ValueMap | None = None
    default: Scalar = Field(None, description="a single value: a text, a number or true/false")
    required: StrictBool = False
    direction: Literal["both", "export", "import"] = "both"
    lookup: EntityName | None = Field(None, description="an entity name such as clients")
    currency: Annotated[int, Field(ge=1, le=2**31 - 1)] | Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")] | None = Field(
        None, description="a CRM currency id")
    fields: list[FieldRowModel] | None = None
    empty: EmptyRule | dict[Literal["crm", "erp"], EmptyRule] | None = None
    merge: Literal["crm_wins", "erp_wins", "newest_wins", "ask"] | None = Field(
        None, description="under the merge policy: who wins when both sides changed this field")

    @model_validator(mode="after")
    def _consistent(self) -> FieldRowModel:
        problems: list[str] = []
        kind = self.type
        for what, names in (("transform", self.transform), ("transform_to_crm", self.transform_to_crm)):
            for spec in names or ():
                name = parse_transform(spec).name
                if name in TEXT_TRANSFORMS and kind not in _TEXT_TYPES:
                    problems.append(f"{what}: {name!r} works on text and does not apply to type {kind}")
                elif name in NUMBER_TRANSFORMS and kind not in _NUMBER_TYPES:
                    problems.append(f"{what}: {name!r} works on numbers and does not apply to type {kind}")
                elif name in ARITHMETIC_TRANSFORMS and kind not in (*_NUMBER_TYPES, *_TEXT_TYPES):
                    problems.append(f"{what}: {name!r} works on numbers and text holding one, not on type {kind}")
        if kind == "picklist" and not self.value_map:
            problems.append('type picklist needs a value_map ({"<CRM value>": "<ERP value>"})')
        if self.value_map and kind in ("lookup", "currency", "price", "lines"):
            problems.append(f"type {kind} takes no value_map")
        if self.value_map and self.value_map_to_crm is None and self.direction != "export":
            problems += _ambiguous(self.value_map)
        if kind == "lookup" and not self.lookup:
            problems.append('type lookup needs \'lookup\': the entity whose ids the field holds, e.g. "clients"')
        if kind != "lookup" and self.lookup is not None:
            problems.append("'lookup' only applies to type lookup")
        if kind == "price" and self.currency is None:
            problems.append("type price needs 'currency': the CRM currency id the CRM field is in, e.g. 1")
        if kind != "price" and self.currency is not None:
            problems.append("'currency' only applies to type price")
        if kind == "lines" and not self.fields:
            problems.append("type lines needs 'fields': a list of mapping rows for each line")
        if kind != "lines" and self.fields is not None:
            problems.append("'fields' only applies to type lines")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _ambiguous(value_map: dict[str, Any]) -> list[str]:
    by_target: dict[str | None, list[str]] = {}
    for crm_value, erp_value in value_map.items():
        by_target.setdefault(key(erp_value), []).append(crm_value)
    return [f"value_map sends {', '.join(map(repr, crm_values))} all to {erp_value!r}, so the way back is "
            "ambiguous: add value_map_to_crm or make the row direction export"
            for erp_value, crm_values in by_target.items() if len(crm_values) > 1]
