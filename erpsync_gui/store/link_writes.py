"""Links of one batch written in bulk, inside the batch commit's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, update

from erpsync_gui.errors import StoreError
from erpsync_gui.sql_bulk import insert_many
from erpsync_gui.store.link import TABLE, Link


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
    if new:
        # RETURNING the identifying ids instead of asking for parameter order: SQLite then runs one
        # multi-row INSERT instead of one INSERT per row. (crm_id, erp_id) is unique within a batch.
        by_ids = {(link.crm_id, link.erp_id): link for link in new}
        if len(by_ids) != len(new):
            raise StoreError("two new links of one batch name the same records")
        rows = insert_many(s.connection(), TABLE, [link.values() for link in new], ("id", "crm_id", "erp_id"))
        if len(rows) != len(new):
            raise StoreError(f"the state database gave back {len(rows)} ids for {len(new)} new links")
        for new_id, crm_id, erp_id in rows:
            by_ids[(crm_id, erp_id)].id = new_id
    if old:
        s.execute(update(TABLE).where(TABLE.c.id == bindparam("link_id")),
                  [{**link.values(), "link_id": link.id} for link in old.values()])
    return {link.id for link in new if link.id is not None}
