"""A client's customer group, kept by Perfex as tblcustomer_groups rows (groupid, customer_id).

Perfex lets a client be in several groups; the ERP's client has one group. The connector presents the
field `customer_group` as the client's group (the lowest group id when there are several) and, when it is
written, makes that group the client's only one (none for an empty value), as Clients_model's
handle of `groups_in` replaces the memberships with the ones the form posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, delete, func, select

from erpsync_gui.connectors.perfex.settings import row_exists, table
from erpsync_gui.connectors.sql_schema import SchemaCatalog
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import Record

FIELD = "customer_group"
MEMBERSHIP = "tblcustomer_groups"
_QUERY = "perfex.groups.query"


def present(conn: Connection, catalog: SchemaCatalog, records: Sequence[Record]) -> None:
    found = table(catalog, MEMBERSHIP)
    groups: dict[str, Any] = {}
    if found is not None and records:
        keys = [int(r.id) for r in records]
        low, high = min(keys), max(keys)
        # keys close together (a page just created, a page read by id) are asked for as one range: two values to
        # bind instead of one per key; the clients in the range but not in `records` are left unread below
        if high - low < 2 * len(keys):
            rows = conn.execute(_query(catalog, found, ranged=True), {"low": low, "high": high})
        else:
            rows = conn.execute(_query(catalog, found, ranged=False), {"keys": keys})
        groups = {str(customer): group for customer, group in rows}
    for record in records:
        record.data[FIELD] = groups.get(record.id)  # type: ignore[index]


def _query(catalog: SchemaCatalog, found: Table, *, ranged: bool) -> Select:
    """The lowest group of each client in :keys (or from :low to :high), built once per run (it is asked for
    every page read)."""
    key = (_QUERY, ranged)
    query = catalog.memo.get(key)
    if query is None:
        customer = found.c.customer_id
        where = (customer.between(bindparam("low"), bindparam("high")) if ranged
                 else customer.in_(bindparam("keys", expanding=True)))
        query = catalog.memo[key] = (
            select(customer, func.min(found.c.groupid)).where(where).group_by(customer))
    return query


def written(value: Any) -> int | None:
    """The group id `write` stores for `value` (what `present` then reads): None for an empty value or 0."""
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PermanentError(f"{FIELD}: a customer group is given by its id") from None


def write(conn: Connection, catalog: SchemaCatalog, key: Any, value: Any) -> None:
    """Make `value` the client's only group (no group for an empty value or 0)."""
    found = table(catalog, MEMBERSHIP)
    if found is None:
        return
    group = written(value)
    if group is not None and not row_exists(conn, catalog, "tblcustomers_groups", "id", group):
        raise PermanentError(f"{FIELD}: customer group {group} does not exist in tblcustomers_groups")
    conn.execute(delete(found).where(found.c.customer_id == key))
    if group is not None:
        conn.execute(found.insert().values(groupid=group, customer_id=key))


def forget(conn: Connection, catalog: SchemaCatalog, key: Any) -> None:
    found = table(catalog, MEMBERSHIP)
    if found is not None:
        conn.execute(delete(found).where(found.c.customer_id == key))
