"""The SQL statements an engine sends, for tests that check what a write asked of the database."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def statements_of(engine: Engine) -> list[str]:
    """Every statement `engine` executes from now on, in order (the list fills as they run)."""
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_rest: seen.append(sql))
    return seen
