"""Whether the database runs code of its own when a row is written: triggers (and PostgreSQL's rewrite rules).

An INSERT ... RETURNING gives back the row as the INSERT wrote it: the column types' conversions, the defaults
and the computed columns are in it. A trigger may change the row after that (an AFTER INSERT trigger that
updates it, a trigger on a side table the preset's rules write that updates the parent), and RETURNING does not
show such a change. A database with any trigger in the schema is therefore read back after a create.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_COUNT = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE NOT t.tgisinternal AND n.nspname = COALESCE(:schema, current_schema())) "
                  "+ (SELECT count(*) FROM pg_rules WHERE schemaname = COALESCE(:schema, current_schema()))",
    "mysql": "SELECT count(*) FROM information_schema.TRIGGERS "
             "WHERE EVENT_OBJECT_SCHEMA = COALESCE(:schema, DATABASE())",
}
_COUNT["mariadb"] = _COUNT["mysql"]


def has_triggers(conn: Connection, schema: str | None) -> bool:
    """Whether the schema has a trigger (or a PostgreSQL rule); True where this cannot be asked (another kind
    of database, an attached SQLite schema): then nothing is taken for granted."""
    sql = _COUNT.get(conn.dialect.name)
    if sql is None or (conn.dialect.name == "sqlite" and schema is not None):
        return True
    params = {} if conn.dialect.name == "sqlite" else {"schema": schema}
    return bool(conn.execute(text(sql), params).scalar())
