"""The merge base of each pair: its mapped fields' digests as of the last sync, kept and read in bulk."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from sqlalchemy import delete, select

from erpsync_gui.records import Side
from erpsync_gui.sql_bulk import insert_many
from erpsync_gui.store.db import Store
from erpsync_gui.store.driver_rows import TableRows, direct
from erpsync_gui.store.models import table_of
from erpsync_gui.store.safety_models import LinkSnapshotRow
from erpsync_gui.timeutil import aware_utc

_TABLE = table_of(LinkSnapshotRow)
_IN_CHUNK = 500
_ROWS = TableRows(_TABLE, ("link_id", "synced_at", "digests"))
_SYNCED_AT = attrgetter("synced_at")
_DIGESTS = attrgetter("digests")
#: the link id is the key: a snapshot there before is replaced by the same statement
_REPLACE_SQL = _ROWS.insert_sql.replace("INSERT", "INSERT OR REPLACE", 1)


@dataclass(frozen=True)
class Snapshot:
    """Per side, each mapped field's digest (that side's field names), as the last sync left the pair."""

    synced_at: str
    digests: Mapping[str, Mapping[str, str]]

    def digest(self, side: Side, name: str) -> str | None:
        return self.digests.get(side.value, {}).get(name)


def stamp(when: datetime | None) -> str:
    """The link's last sync time in the one text form a snapshot is matched by."""
    value = aware_utc(when)
    return value.isoformat() if value is not None else ""


def load(store: Store, link_ids: Sequence[int]) -> dict[int, Snapshot]:
    found: dict[int, Snapshot] = {}
    ids = [i for i in link_ids if i is not None]
    with store.session() as s:
        for i in range(0, len(ids), _IN_CHUNK):
            for row in s.execute(select(_TABLE).where(_TABLE.c.link_id.in_(ids[i:i + _IN_CHUNK]))).mappings():
                found[row["link_id"]] = Snapshot(row["synced_at"], row["digests"] or {})
    return found


def save(session, snapshots: Mapping[int, Snapshot], new_links: Collection[int] = ()) -> None:
    """Replace the snapshots of these links (inside the caller's transaction). A link in `new_links` was
    inserted by this transaction: it has no snapshot to replace yet."""
    if not snapshots:
        return
    conn = session.connection()
    if direct(conn):
        taken = list(snapshots.values())
        digests = list(map(_DIGESTS, taken))
        if set(map(type, digests)) != {dict}:
            digests = [d if type(d) is dict else dict(d) for d in digests]
        conn.exec_driver_sql(_REPLACE_SQL, _ROWS.columns(conn.dialect, (list(snapshots), list(map(_SYNCED_AT, taken)),
                                                                       digests)))
        return
    ids = [link_id for link_id in snapshots if link_id not in new_links]
    for i in range(0, len(ids), _IN_CHUNK):
        session.execute(delete(_TABLE).where(_TABLE.c.link_id.in_(ids[i:i + _IN_CHUNK])))
    insert_many(conn, _TABLE, [
        {"link_id": link_id, "synced_at": snap.synced_at, "digests": dict(snap.digests)}
        for link_id, snap in snapshots.items()], fast_json=True)
