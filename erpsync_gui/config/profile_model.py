"""The whole profile, typed: the one model a profile file, the window's Save, a loaded profile and the start
of every run are checked against. Every problem is listed at once, with its path, the value and what is
allowed; an unknown key names the nearest known one.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, create_model, model_validator

from erpsync_gui.config.endpoint import endpoint_model
from erpsync_gui.config.entity import EntityModel
from erpsync_gui.config.kinds import kinds
from erpsync_gui.config.schedule import ScheduleModel
from erpsync_gui.config.types import EntityName
from erpsync_gui.records import Side

ProfileName = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]{1,100}$", strip_whitespace=True)]


class ProfileBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: where an editor finds this file's JSON Schema; read by editors only
    schema_ref: str | None = Field(None, alias="$schema", max_length=2000,
                                   description="the JSON Schema this file follows (for editors)")
    name: ProfileName = Field(description="a name of 1 to 100 characters")
    demo: StrictBool = False
    schedule: ScheduleModel = Field(default_factory=ScheduleModel)

    @model_validator(mode="after")
    def _scheduled_entities_configured(self) -> ProfileBase:
        entities: dict[str, Any] = getattr(self, "entities", {})
        scheduled = [name for name in self.schedule.entities if name not in entities]
        if scheduled and entities:
            raise ValueError(f"schedule.entities names {', '.join(map(repr, scheduled))}, which the profile does "
                             "not configure")
        return self


def _side(side: Side, only: str | None) -> Any:
    names = [name for name, kind in kinds().items() if side in kind.sides] if only is None else [only]
    members = tuple(endpoint_model(name, side) for name in names)
    union = members[0] if len(members) == 1 else Union[members]  # noqa: UP007 - built from a tuple
    return Annotated[union, Field(discriminator="kind", description=f"the {side.value.upper()} side")]


@functools.cache
def profile_model(crm: str | None = None, erp: str | None = None) -> type[BaseModel]:
    """The profile model with one endpoint model per connector kind on each side (built once); or, given the
    kinds of both sides, with only those two: what a profile of known kinds is checked against at each load
    (it accepts and normalizes exactly what the whole model does for those kinds, without building the rest)."""
    return create_model(
        "Profile", __base__=ProfileBase,
        crm=(_side(Side.CRM, crm), ...), erp=(_side(Side.ERP, erp), ...),
        entities=(dict[EntityName, EntityModel], Field(default_factory=dict)),
    )
