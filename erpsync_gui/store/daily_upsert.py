"""Adding one run to the day's statistics in a single statement. Runs of one entity may finish together (the
parts of a partitioned read, two worker processes): a read-then-write would lose a count or trip over the
(profile, day, entity) unique key, so the database adds the numbers itself."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import insert as insert_row
from sqlalchemy import update
from sqlalchemy.orm import Session

from erpsync_gui.store.db import rows_changed
from erpsync_gui.store.models import DailyStatRow, table_of

TABLE = table_of(DailyStatRow)
_KEY = ("profile_id", "day", "entity")
_COUNTS = ("runs", "inserted", "updated", "skipped", "failed", "failed_runs")


def add_run_to_day(s: Session, profile_id: int, day: date, entity: str, counts: Mapping[str, int]) -> None:
    values = {"profile_id": profile_id, "day": day, "entity": entity,
              **{name: int(counts.get(name, 0)) for name in _COUNTS}}
    dialect = s.get_bind().dialect.name
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        stmt = mysql_insert(TABLE).values(values)
        s.execute(stmt.on_duplicate_key_update({n: TABLE.c[n] + stmt.inserted[n] for n in _COUNTS}))
        return
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        pg_stmt = postgresql_insert(TABLE).values(values)
        s.execute(pg_stmt.on_conflict_do_update(index_elements=list(_KEY),
                                                set_={n: TABLE.c[n] + pg_stmt.excluded[n] for n in _COUNTS}))
        return
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite_stmt = sqlite_insert(TABLE).values(values)
        s.execute(lite_stmt.on_conflict_do_update(index_elements=list(_KEY),
                                                  set_={n: TABLE.c[n] + lite_stmt.excluded[n] for n in _COUNTS}))
        return
    # another database: the increment is still the database's; only the day's first row may race
    where = [TABLE.c[k] == values[k] for k in _KEY]
    done = s.execute(update(TABLE).where(*where).values({n: TABLE.c[n] + values[n] for n in _COUNTS}))
    if not rows_changed(done):
        s.execute(insert_row(TABLE).values(values))
