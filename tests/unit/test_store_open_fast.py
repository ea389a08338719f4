"""Opening a state database that is already current never loads Alembic; one that is behind is migrated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from erpsync_gui.store.db import alembic_config, open_store, packaged_head

_OPEN = """
import sys
from erpsync_gui.store.db import open_store
store = open_store(data_dir={data!r})
store.close()
print("alembic" in sys.modules)
"""


def _opened_with_alembic(data: Path) -> bool:
    out = subprocess.run([sys.executable, "-c", _OPEN.format(data=str(data))], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()[-1] == "True"


def test_the_packaged_head_read_from_the_files_is_alembics_head() -> None:
    assert {packaged_head()} == set(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_a_current_store_opens_without_alembic_and_a_new_one_is_migrated(tmp_path: Path) -> None:
    assert _opened_with_alembic(tmp_path)  # a new file: created and migrated
    assert not _opened_with_alembic(tmp_path)  # now current: a plain query says so


def test_a_store_behind_the_head_is_migrated_again(tmp_path: Path) -> None:
    store = open_store(data_dir=tmp_path)
    with store.engine.begin() as conn:  # back to 0002 by the migrations' own downgrades (tables and columns gone)
        command.downgrade(alembic_config(conn), "0002")
    store.close()
    assert _opened_with_alembic(tmp_path)
    store = open_store(data_dir=tmp_path)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == packaged_head()
        conn.execute(text("SELECT count(*) FROM webhook_events"))
    store.close()
