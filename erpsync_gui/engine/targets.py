"""What both systems say of an entity's fields, checked against the mapping before a run writes anything.

A mapped name that a system does not have would otherwise be dropped silently on one way and fail every
record on the other; a table's reflected columns say it for sure, a sample record only hints (a field it
lacks may simply be empty), so only complete descriptions are held against the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping

from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import EntityInfo, Side


def missing_fields(mapping: EntityMapping, described: Mapping[Side, EntityInfo | None]) -> list[str]:
    """One line per mapped field that a completely described side does not have."""
    problems: list[str] = []
    for side in Side:
        info = described.get(side)
        if info is None or not info.fields_complete:
            continue
        known = {f.name.lower() for f in info.fields}
        label = side.value.upper()
        for number, f in enumerate(mapping.fields, start=1):
            name = f.name_on(side)
            if name.lower() not in known:
                problems.append(f"row {number}: the {label} has no field {name!r} for {info.name}")
    return problems


def check_and_bind(mapping: EntityMapping, described: Mapping[Side, EntityInfo | None], entity: str) -> None:
    """ConfigError listing every mapped field a side lacks; else the mapping learns the targets' fields."""
    problems = missing_fields(mapping, described)
    if problems:
        fields = ", ".join(sorted(f.name for side in Side if (info := described.get(side)) for f in info.fields
                                  if info.fields_complete))[:600]
        raise ConfigError(f"the field mapping of {entity} names fields that do not exist: " + "; ".join(problems),
                          hint=f"fix the rows on the Mappings page; the fields there are: {fields}")
    mapping.bind_targets(described)
