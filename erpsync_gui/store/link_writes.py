"""Links of one batch written in bulk, inside the batch commit's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, UniqueConstraint, bindparam, update
from sqlalchemy.engine import Connection

from erpsync_gui.errors import StoreError
from erpsync_gui.sql_bulk import insert_many
from erpsync_gui.store.driver_rows import TableRows, direct
from erpsync_gui.store.link import TABLE, WRITTEN, Link, written_values

_ROWS = TableRows(TABLE, WRITTEN)


def _keyed(table: Table) -> frozenset[str]:
    """The columns some index or unique constraint of the table holds."""
    named = [index.columns for index in table.indexes]
    named += [c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
    return frozenset(column.name for columns in named for column in columns)


#: positions in WRITTEN of the columns an index holds (which SQLite rewrites in every index that holds a column
#: an UPDATE sets, changed or not), and of the others
_KEYS = tuple(at for at, name in enumerate(WRITTEN) if name in _keyed(TABLE))
_REST = tuple(at for at in range(len(WRITTEN)) if at not in _KEYS)
_UPDATE_REST = f"UPDATE {TABLE.name} SET {', '.join(f'{WRITTEN[at]} = ?' for at in _REST)} WHERE id = ?"
_UPDATE_KEYS = (f"UPDATE {TABLE.name} SET {', '.join(f'{WRITTEN[at]} = ?' for at in _KEYS)} WHERE id = ? AND ("
                + " OR ".join(f"{WRITTEN[at]} IS NOT ?" for at in _KEYS) + ")")


def save_links(s, links: Sequence[Link]) -> set[int]:
    """Bulk insert (ids come back into the objects) and bulk update by primary key: one statement each per
    batch instead of a round trip per row - the difference between a fast and a slow initial import. Returns
    the ids of the links it inserted."""
    for link in links:
        if link.state == "synced" and (link.crm_id is None or link.erp_id is None):
            # a pair is synced only when both records exist: anything else is a bug that would lose a record
            raise StoreError(f"a {link.entity} link marked synced names only one record "
                             f"(crm {link.crm_id}, erp {link.erp_id})")
    new = [link for link in links if link.id is None]
    old = {link.id: link for link in links if link.id is not None}  # the last state of a row wins
    if new and len({(link.crm_id, link.erp_id) for link in new}) != len(new):
        raise StoreError("two new links of one batch name the same records")
    conn = s.connection()
    if not direct(conn):
        _save_with_statements(s, new, old)
    else:
        if new:
            _insert_new(conn, new)
        if old:
            _update_old(conn, old)
    return {link.id for link in new if link.id is not None}


def _insert_new(conn: Connection, new: list[Link]) -> None:
    """One executemany; each link takes the id SQLite gave its row. With the write lock held from the first row
    to the commit, the rows get consecutive ids after the largest id there was, in the order given; where
    another writer's rows came between the look at that largest id and this batch's first row (or a trigger
    added rows), the ids are read back by the records the links name instead."""
    before = conn.exec_driver_sql(f"SELECT max(id) FROM {TABLE.name}").scalar() or 0
    conn.exec_driver_sql(_ROWS.insert_sql, _ROWS.tuples(conn.dialect, map(written_values, new)))
    last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar() or 0
    if last - len(new) == before:
        for link_id, link in enumerate(new, start=before + 1):
            link.id = link_id
        return
    by_names = {(link.profile_id, link.entity, link.crm_id, link.erp_id): link for link in new}
    found = 0
    # (profile, entity, crm id) and (profile, entity, erp id) are unique, and a link names at least one record
    for row in conn.exec_driver_sql(f"SELECT id, profile_id, entity, crm_id, erp_id FROM {TABLE.name} WHERE id > ?",
                                    (before,)):
        named = by_names.get(tuple(row[1:]))
        if named is not None and named.id is None:
            named.id = row[0]
            found += 1
    if found != len(new):
        raise StoreError(f"the state database gave back {found} ids for {len(new)} new links")


def _update_old(conn: Connection, old: dict[int, Link]) -> None:
    """Two executemany by primary key: every column no index holds, then the indexed ones (ids, state) only in
    the rows where one of them changed. A pair synced again keeps its ids and state, so its indexes are not
    rewritten for nothing; a row whose keys do change ends exactly as one UPDATE of every column leaves it."""
    columns = _ROWS.converted(conn.dialect, list(zip(*map(written_values, old.values()), strict=True)))
    ids = list(old)
    conn.exec_driver_sql(_UPDATE_REST, list(zip(*(columns[at] for at in _REST), ids, strict=True)))
    keys = [columns[at] for at in _KEYS]
    conn.exec_driver_sql(_UPDATE_KEYS, list(zip(*keys, ids, *keys, strict=True)))


def _save_with_statements(s, new: list[Link], old: dict[int, Link]) -> None:
    """SQLAlchemy's statements, for databases other than SQLite."""
    if new:
        # RETURNING the identifying ids instead of asking for parameter order. (crm_id, erp_id) is unique
        # within a batch.
        by_ids = {(link.crm_id, link.erp_id): link for link in new}
        rows = insert_many(s.connection(), TABLE, [link.values() for link in new], ("id", "crm_id", "erp_id"))
        if len(rows) != len(new):
            raise StoreError(f"the state database gave back {len(rows)} ids for {len(new)} new links")
        for new_id, crm_id, erp_id in rows:
            by_ids[(crm_id, erp_id)].id = new_id
    if old:
        s.execute(update(TABLE).where(TABLE.c.id == bindparam("link_id")),
                  [{**link.values(), "link_id": link.id} for link in old.values()])
