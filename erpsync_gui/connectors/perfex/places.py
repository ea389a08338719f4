"""The CRM module's counties and localities: tblclients.county_id and locality_id hold ids of tblcounties and
tbllocalities rows. describe() lists those rows as the fields' choices (the id, and the name people know it by), so
the mapping editor can pair them with the ERP's county and locality names in a lookup value map."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection, Table, select

from erpsync_gui.connectors.perfex.settings import table
from erpsync_gui.connectors.sql_schema import SchemaCatalog
from erpsync_gui.records import FieldInfo

#: (table, column) -> the lookup table its ids are rows of
LOOKUPS = {("tblclients", "county_id"): "tblcounties", ("tblclients", "locality_id"): "tbllocalities"}
#: at most this many rows are listed as a field's choices
LIMIT = 5000


def with_choices(conn: Connection, catalog: SchemaCatalog, owner: Table, info: FieldInfo) -> FieldInfo:
    """`info` with the rows of its lookup table as choices, where it has one and the database holds it."""
    name = LOOKUPS.get((owner.name, info.name))
    found = table(catalog, name) if name else None
    if found is None or "id" not in found.c or "name" not in found.c:
        return info
    code = found.c.code if "code" in found.c else None
    columns = [found.c.id, found.c.name, *([code] if code is not None else [])]
    rows = conn.execute(select(*columns).order_by(found.c.id).limit(LIMIT)).all()
    return dataclasses.replace(info, choices=tuple(r[0] for r in rows),
                               choice_labels=tuple(_label(r[1], r[2] if code is not None else None) for r in rows))


def _label(name: object, code: object) -> str:
    """"Brașov (BV)" where the row has a code, else the name."""
    text = str(name or "").strip()
    return f"{text} ({str(code).strip()})" if code is not None and str(code).strip() else text
