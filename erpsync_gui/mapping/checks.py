"""What would stop an entity's settings from working, in words for the person editing them."""

from __future__ import annotations

from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping.mapper import EntityMapping
from erpsync_gui.mapping.spec import FieldMap, MappingConfigError, parse_fields
from erpsync_gui.profile import EntityConfig


def currency_problems(cfg: EntityConfig) -> list[str]:
    try:
        EntityMapping(cfg.entity, (), cfg.currency_mapping)
    except ConfigError as exc:
        return [exc.message]
    return []


def entity_problems(cfg: EntityConfig, currency: list[str] | None = None) -> list[str]:
    """Every problem of the field rows, the currency mapping and the match keys, all at once."""
    problems: list[str] = []
    fields: tuple[FieldMap, ...] = ()
    try:
        fields = parse_fields(list(cfg.fields))
    except MappingConfigError as exc:
        problems += list(exc.problems)
    except ConfigError as exc:
        problems.append(exc.message)
    problems += currency if currency is not None else currency_problems(cfg)
    if fields:
        try:
            EntityMapping(cfg.entity, fields, cfg.currency_mapping).key_pairs(cfg.match_keys)
        except ConfigError as exc:
            problems.append(str(exc))
    return problems
