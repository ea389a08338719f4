"""Several processes opening one fresh PostgreSQL store at once: the advisory lock lets one migrate, the others
wait and find the schema current; none fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from erpsync_gui.store.db import alembic_config, open_store

pytestmark = pytest.mark.postgres


def test_stores_opened_together_migrate_once(pg_store_url):
    def opened(_n: int) -> str:
        store = open_store(pg_store_url)
        store.close()
        return "ok"

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(opened, range(4))) == ["ok"] * 4
    store = open_store(pg_store_url)
    with store.engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
    store.close()
    assert heads == set(ScriptDirectory.from_config(alembic_config()).get_heads())
