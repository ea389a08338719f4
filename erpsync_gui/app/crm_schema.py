"""Schema changes to the CRM database that the product asks for, always shown first: the origin marker
columns on the tables it syncs. The CLI (`erpsync crm add-markers`) and the window call these."""

from __future__ import annotations

from collections.abc import Sequence

from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.sql_markers import MarkerResult
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side


def _entities(profile: ProfileConfig, wanted: Sequence[str] | None) -> list[str]:
    """The CRM names of the entities to change: those asked for, else every enabled entity of the profile."""
    if wanted:
        return [profile.entity(name).name_on(Side.CRM) for name in wanted]
    return [e.name_on(Side.CRM) for e in profile.entities if e.enabled]


def marker_plan(service: SyncService, profile: ProfileConfig, wanted: Sequence[str] | None = None) -> MarkerResult:
    """The DDL that would add the marker columns where the profile's CRM tables lack them; nothing is run."""
    return _call(service, profile, wanted, confirm=False)


def add_markers(service: SyncService, profile: ProfileConfig, wanted: Sequence[str] | None = None) -> MarkerResult:
    """Run that DDL (a person confirmed it)."""
    return _call(service, profile, wanted, confirm=True)


def _call(service: SyncService, profile: ProfileConfig, wanted: Sequence[str] | None, *,
          confirm: bool) -> MarkerResult:
    connector = service.connector(profile, Side.CRM)
    try:
        add = getattr(connector, "add_marker_columns", None)
        if not callable(add):
            raise ConfigError(f"the CRM endpoint ({connector.kind}) has no database schema to change")
        offered = set(connector.entities())
        entities = [name for name in _entities(profile, wanted) if name in offered]
        return add(entities, confirm=confirm)
    finally:
        connector.close()
