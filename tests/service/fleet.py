"""Many profiles on a PostgreSQL store, each a CRM SQLite file and its own sandbox ERP, and worker processes
(`erpsync service run --worker-only`) that share their syncs. For the service's tests and benchmark."""

from __future__ import annotations

import dataclasses
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select
from sqlalchemy.pool import NullPool

from erpsync_gui.app.demo import demo_profile
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store
from erpsync_gui.store.models import RunRow

ENTITIES = ("clients", "contacts", "leads", "projects", "tickets")
REPO = Path(__file__).resolve().parents[2]
#: heartbeats and the watchdog fast enough that a dead worker's job moves on within seconds
FAST_SETTINGS = """\
heartbeat_s = 0.5
stalled_after_s = 3.0
watch_interval_s = 0.5
poll_s = 0.5
stop_timeout_s = 5.0
"""


def make_crm(path: Path, clients: int) -> Path:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    schema.create_schema(engine)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    rows = [{"company": f"Company {i}", "customer_number": f"C{i:05d}", "city": "Cluj", "datecreated": now}
            for i in range(1, clients + 1)]
    with engine.begin() as conn:
        if rows:
            conn.execute(insert(schema.CLIENTS), rows)
    engine.dispose()
    return path


def make_profile(store: Store, secrets: SecretStore, root: Path, name: str, sandbox: SandboxServer, *,
                 clients: int = 3, entities: Sequence[str] = ENTITIES, batch: int = 50) -> ProfileConfig:
    """A profile of the demo's mappings between a new CRM file and `sandbox`, saved, its tokens stored."""
    crm = make_crm(root / f"{name}-crm.sqlite", clients)
    base = demo_profile(root)
    profile = dataclasses.replace(
        base, name=name, demo=False,
        crm=EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm.as_posix()}", options={"preset": "perfex"},
                           batch_size=batch),
        erp=EndpointConfig(Side.ERP, "rest", sandbox.url, auth="bearer", batch_size=batch, retries=3, timeout=10,
                           options={"paging": "cursor", "backoff_s": 0.01}),
        # set up from a known-good template: their first syncs need no review
        entities=tuple(dataclasses.replace(e, review_first_sync=False) for e in base.entities if e.entity in entities),
        schedule=dataclasses.replace(base.schedule, enabled=True, entities=tuple(entities)))
    saved = ConfigRepo(store).save_profile(profile)
    secrets.set(name, Side.ERP, "token", DEMO_AUTH_TOKEN)
    secrets.set(name, Side.ERP, "client_token", DEMO_CLIENT_TOKEN)
    return saved


def runs_of(store: Store) -> list[RunRow]:
    with store.session() as s:
        return list(s.scalars(select(RunRow).order_by(RunRow.id)))


def overlapping(runs: Sequence[RunRow]) -> list[tuple[int, int]]:
    """Pairs of runs of one (profile, entity) whose times overlap."""
    found = []
    by_key: dict[tuple[int, str], list[RunRow]] = {}
    for run in runs:
        by_key.setdefault((run.profile_id, run.entity), []).append(run)
    for key_runs in by_key.values():
        key_runs.sort(key=lambda r: r.started_at)
        for earlier, later in itertools.pairwise(key_runs):
            if earlier.finished_at is None or later.started_at < earlier.finished_at:
                found.append((earlier.id, later.id))
    return found


class Workers:
    """`erpsync service run --worker-only` processes on one store, started and stopped by the test."""

    def __init__(self, root: Path, store_url: str, keyring_file: Path, *, concurrency: int = 2) -> None:
        self.root = root
        self.store_url = store_url
        self.concurrency = concurrency
        self.env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
                    "ERPSYNC_TEST_KEYRING_FILE": str(keyring_file),
                    "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> subprocess.Popen:
        data = self.root / name
        data.mkdir(parents=True, exist_ok=True)
        (data / "service.toml").write_text(FAST_SETTINGS, encoding="utf-8")
        command = [sys.executable, "-m", "erpsync_gui.cli", "--data-dir", str(data), "--store-url", self.store_url,
                   "service", "run", "--worker-only", "--concurrency", str(self.concurrency), "--name", name]
        proc = subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # a worker may log first (a run a dead worker of this host left open is closed at start)
        said = []
        while proc.stdout and len(said) < 20:
            said.append(proc.stdout.readline())
            if not said[-1] or "running" in said[-1]:
                break
        if not said or "running" not in said[-1]:
            proc.kill()
            raise RuntimeError(f"worker {name} did not start: {''.join(said)}"
                               f"{proc.stdout.read() if proc.stdout else ''}")
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """As a machine losing power: no clean-up, no goodbye to the queue."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def wait_until(condition, timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll)
