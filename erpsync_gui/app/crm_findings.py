"""What would stop or spoil a sync on the CRM side, found before any sync from the connector's description:
the tables that are missing, the mapped columns, match keys and marker columns that are missing, and the
required columns the mapping leaves empty. The connection test shows them; the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.mapping.spec import parse_fields
from erpsync_gui.profile import EntityConfig
from erpsync_gui.records import Side

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """One problem of one entity; an error stops its runs (or fails its creates), a warning does not."""

    severity: str
    entity: str
    message: str

    def line(self) -> str:
        return f"{self.entity}: {self.message}" if self.severity == ERROR else f"{self.entity}: warning: {self.message}"


def crm_findings(connector: Connector, entities: Sequence[EntityConfig]) -> list[Finding]:
    """The findings of every enabled entity of a profile on its CRM side (`connector`), in profile order."""
    try:
        offered = set(connector.entities())
    except ERPSyncError as exc:
        return [Finding(ERROR, "CRM", f"cannot list its entities: {exc}")]
    found: list[Finding] = []
    for cfg in entities:
        if cfg.enabled:
            found += _entity(connector, cfg, offered)
    return found


def _table(connector: Connector, name: str) -> str:
    """The table an entity lives in where the connector says (the SQL connector), else the entity's name."""
    table_of = getattr(connector, "table_of", None)
    return str(table_of(name)) if callable(table_of) else name


def _entity(connector: Connector, cfg: EntityConfig, offered: set[str]) -> list[Finding]:
    entity, name = cfg.entity, cfg.name_on(Side.CRM)
    if name not in offered:
        missing = getattr(connector, "preset_table", None)
        table = missing(name) if callable(missing) else None
        where = f"table {table} is missing" if table else "the CRM does not offer it"
        return [Finding(ERROR, entity, f"{where}: the entity cannot sync")]
    try:
        info = connector.describe(name)
        rows = parse_fields(list(cfg.fields))
    except ConfigError as exc:
        return [Finding(ERROR, entity, exc.message)]
    except ERPSyncError as exc:
        return [Finding(ERROR, entity, f"cannot be described: {exc}")]
    table = _table(connector, name)
    fields = {f.name.lower(): f for f in info.fields}
    mapped = {row.crm.lower() for row in rows}
    found = []
    if info.fields_complete:
        for row in rows:
            if row.crm.lower() not in fields:
                found.append(Finding(ERROR, entity, f"mapped column {row.crm} does not exist in {table}"))
        for key in cfg.match_keys:
            if key.lower() not in fields:
                found.append(Finding(ERROR, entity, f"match key {key} is not a column of {table}"))
    writes_crm = cfg.direction.writes_to(Side.CRM)
    if not connector.capabilities(name).origin_marker:
        needed = getattr(connector, "creates_need_marker", None)
        blocking = writes_crm and callable(needed) and needed(name)
        what = ("creates are refused until they exist (no natural key)" if blocking
                else "records we create cannot be found again by origin")
        found.append(Finding(ERROR if blocking else WARNING, entity,
                             f"marker columns external_id, external_channel are missing in {table}: {what}"))
    if writes_crm:
        for f in info.fields:
            if f.required and f.name.lower() not in mapped:
                found.append(Finding(ERROR, entity, f"required column {table}.{f.name} is not mapped and has no "
                                                    "default: every create there would be refused"))
    return found
