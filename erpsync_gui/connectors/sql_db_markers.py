"""The SQL connector's one change to a CRM's schema: the origin marker columns, planned as DDL and run only
when a person confirmed it (`erpsync crm add-markers`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from erpsync_gui.connectors.sql_engine import translate_errors
from erpsync_gui.connectors.sql_markers import MarkerChange, MarkerResult, marker_statements, missing_markers

log = logging.getLogger(__name__)


class SqlMarkers:
    """The marker-column half of SqlConnector."""

    if TYPE_CHECKING:
        # the rest of SqlConnector (engine, catalog, rules, the read helpers) as the type checker sees it from
        # here: the class that mixes this in has them
        _catalog: Any
        _references: Any

        def __getattr__(self, name: str) -> Any: ...

    def marker_plan(self, entities: Sequence[str] | None = None) -> list[MarkerChange]:
        """The tables of `entities` (default: all this database offers) that lack marker columns, with the
        DDL that would add them. Nothing is changed."""
        wanted = list(entities) if entities is not None else list(self.entities())
        changes = []
        dialect = self.engine.dialect
        for entity in wanted:
            table = self._resolve(entity).table
            missing = missing_markers(table)
            if missing:
                statements = marker_statements(dialect, table, missing, self._schema)
                changes.append(MarkerChange(entity, table.name, missing, tuple(statements)))
        return changes

    def add_marker_columns(self, entities: Sequence[str] | None = None, *,
                           confirm: bool = False) -> MarkerResult:
        """Add the origin marker columns to the tables of `entities` that lack them. Only with `confirm`;
        without it the DDL is returned, not run (show it first, or hand it to a DBA). MySQL commits each
        ALTER TABLE on its own: after a failure, running this again adds only what is still missing."""
        changes = tuple(self.marker_plan(entities))
        if not confirm or not changes:
            return MarkerResult(changes, executed=False)
        try:
            with translate_errors("adding the marker columns"), self.engine.begin() as conn:
                for statement in (s for change in changes for s in change.statements):
                    log.info("CRM schema change: %s", statement)
                    conn.exec_driver_sql(statement)
        finally:
            self._forget_schema()  # some statements may have run even when a later one failed
        return MarkerResult(changes, executed=True)

    def _forget_schema(self) -> None:
        """Reflect the database again on next use (after a schema change)."""
        with self._lock:
            self._catalog = None
            self._references = None

