"""The reference rows a Perfex database offers for the values Perfex requires of new tickets and leads (the
department, ticket status and priority, lead source and status), each with the row the connector would take
when none is chosen: what the setup wizard lets an admin choose from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from erpsync_gui.connectors.perfex.required import defaults
from erpsync_gui.connectors.perfex.settings import table
from erpsync_gui.connectors.sql_options import PerfexDefaults
from erpsync_gui.connectors.sql_schema import SchemaCatalog, find_column

#: at most this many rows of one reference table are offered
MAX_ROWS = 200


@dataclass(frozen=True)
class ReferenceChoice:
    """One value Perfex requires: the option of `PerfexDefaults` that holds it, the rows to choose from (id,
    name) and the row taken when none is chosen."""

    option: str
    label: str
    rows: tuple[tuple[int, str], ...]
    proposed: int | None


#: option, label, the table of new rows and its column, the reference table, its id and name columns
_SPECS = (
    ("ticket_department", "Department of new tickets", "tbltickets", "department", "tbldepartments",
     "departmentid", "name"),
    ("ticket_status", "Status of new tickets", "tbltickets", "status", "tbltickets_status", "ticketstatusid",
     "name"),
    ("ticket_priority", "Priority of new tickets", "tbltickets", "priority", "tbltickets_priorities", "priorityid",
     "name"),
    ("lead_source", "Source of new leads", "tblleads", "source", "tblleads_sources", "id", "name"),
    ("lead_status", "Status of new leads", "tblleads", "status", "tblleads_status", "id", "name"),
)


def reference_choices(conn: Connection, catalog: SchemaCatalog, chosen: PerfexDefaults) -> list[ReferenceChoice]:
    """Each required reference whose tables the database has, with its rows and the proposal (the chosen row
    where it exists, else the stock or first row, as the connector picks it)."""
    found = []
    for option, label, parent_name, column, name, id_column, name_column in _SPECS:
        parent, reference = table(catalog, parent_name), table(catalog, name)
        if parent is None or reference is None or column not in parent.c:
            continue
        key, title = find_column(reference, id_column), find_column(reference, name_column)
        rows = tuple((int(i), str(n)) for i, n in conn.execute(
            select(key, title).order_by(key).limit(MAX_ROWS)).all())
        proposed = defaults(conn, catalog, parent, chosen).get(column)
        found.append(ReferenceChoice(option, label, rows, int(proposed) if proposed is not None else None))
    return found
