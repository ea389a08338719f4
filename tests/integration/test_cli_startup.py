"""What `erpsync` loads: a sync imports only what a run of its two connector kinds needs, and `--help` not even
the engine. Each check runs the command in a fresh interpreter and reads its `sys.modules` afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_RUN = """
import json, sys
import erpsync_gui.cli as cli
try:
    code = cli.main({argv!r})
except SystemExit as exc:
    code = exc.code
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""

#: never wanted by a sync from the command line: the window, the scheduler and job queue of the service, the
#: webhook receiver, migrations of a store that is current, and the connectors the profile does not use
_NOT_FOR_A_SYNC = ("PySide6", "shiboken6", "alembic", "apscheduler", "procrastinate", "erpsync_gui.ui",
                   "erpsync_gui.app.scheduler", "erpsync_gui.app.webhooks", "erpsync_gui.app.headless",
                   "erpsync_gui.connectors.zoho", "erpsync_gui.connectors.tally", "erpsync_gui.connectors.sap_b1",
                   "erpsync_gui.connectors.quickbooks", "erpsync_gui.connectors.tryton",
                   "erpsync_gui.connectors.siagh", "erpsync_gui.connectors.payamgostar")


def _loaded(*argv: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", _RUN.format(argv=list(argv))], capture_output=True, text=True,
                          timeout=180, env=env)
    out, _, modules = done.stdout.rpartition("\nMODULES ")
    assert modules, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    return out, set(json.loads(modules))


def _under(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(f"{p}.") for p in prefixes))


@pytest.fixture
def keyring_env(tmp_path: Path) -> dict[str, str]:
    """A keyring file the processes share (the in-memory one of the suite ends with each process)."""
    return {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
            "ERPSYNC_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}


def test_a_sync_loads_no_window_scheduler_migrations_or_unused_connectors(tmp_path: Path,
                                                                          keyring_env: dict[str, str]) -> None:
    data = str(tmp_path / "data")
    _loaded("--data-dir", data, "demo", "--no-sync", env=keyring_env)
    out, modules = _loaded("--data-dir", data, "sync", "-e", "clients", "--yes", "--json", env=keyring_env)
    assert json.loads(out)[0]["counts"]["inserted"] > 0  # a real run, not an early exit
    assert _under(modules, _NOT_FOR_A_SYNC) == []
    assert {"erpsync_gui.connectors.sql_db", "erpsync_gui.connectors.rest_erp"} <= modules


def test_help_loads_neither_the_engine_nor_the_store_nor_pydantic() -> None:
    out, modules = _loaded("--help")
    assert "sync" in out
    assert _under(modules, ("erpsync_gui.engine", "erpsync_gui.store", "erpsync_gui.http", "sqlalchemy",
                            "pydantic", "httpx", "keyring", "PySide6")) == []


def test_a_sync_with_an_erp_on_the_network_loads_no_sandbox(tmp_path: Path, keyring_env: dict[str, str]) -> None:
    """The demo's public tokens stand by for a keyring failure only: a profile whose ERP is reached over the
    network never loads the built-in sandbox (its server, data and seed) to have them at hand."""
    from erpsync_gui.sandbox.server import SandboxServer

    data = str(tmp_path / "data")
    _loaded("--data-dir", data, "demo", "--no-sync", env=keyring_env)
    exported = tmp_path / "profile.toml"
    _loaded("--data-dir", data, "config", "export", str(exported), env=keyring_env)
    with SandboxServer() as erp:
        text = exported.read_text(encoding="utf-8")
        assert 'url = "sandbox://local"' in text
        exported.write_text(text.replace('url = "sandbox://local"', f'url = "{erp.url}"'), encoding="utf-8")
        _loaded("--data-dir", data, "config", "import", str(exported), env=keyring_env)
        out, modules = _loaded("--data-dir", data, "sync", "-e", "clients", "--yes", "--json", env=keyring_env)
    assert json.loads(out)[0]["counts"]["inserted"] > 0
    assert _under(modules, ("erpsync_gui.sandbox", "erpsync_gui.app.demo", "http.server")) == []


_AS_SCRIPT = """
import gc, json, sys
import erpsync_gui.cli as cli
sys.argv = ["erpsync", *{argv!r}]
code = cli.main()
print("\\nGC " + json.dumps([gc.isenabled(), gc.get_freeze_count()]))
sys.exit(code)
"""


def _collector_after(*argv: str, env: dict[str, str]) -> tuple[str, bool, int]:
    done = subprocess.run([sys.executable, "-c", _AS_SCRIPT.format(argv=list(argv))], capture_output=True,
                          text=True, timeout=180, env=env)
    out, _, state = done.stdout.rpartition("\nGC ")
    assert state, done.stderr[-2000:]
    enabled, frozen = json.loads(state)
    return out, enabled, frozen


def test_the_sync_command_freezes_what_it_started_with_and_collects_during_the_run(
        tmp_path: Path, keyring_env: dict[str, str]) -> None:
    data = str(tmp_path / "data")
    _loaded("--data-dir", data, "demo", "--no-sync", env=keyring_env)
    out, enabled, frozen = _collector_after("--data-dir", data, "sync", "-e", "clients", "--yes", "--json",
                                            env=keyring_env)
    assert json.loads(out)[0]["counts"]["inserted"] > 0
    assert enabled and frozen > 10_000  # the modules, classes and mappers of the start
    # a command that ends before any run (here: unknown entity) still collects again, freezing nothing
    _out, enabled, frozen = _collector_after("--data-dir", data, "sync", "-e", "nonsense", env=keyring_env)
    assert enabled and frozen == 0
    # other commands never hold it
    _out, enabled, frozen = _collector_after("--data-dir", data, "status", env=keyring_env)
    assert enabled and frozen == 0
