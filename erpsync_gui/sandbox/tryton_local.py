"""A local Tryton ERP: trytond on SQLite, on 127.0.0.1 and a free port, for `erpsync demo --erp tryton` and the
tests of the Tryton connector (one implementation for both).

`build()` creates the database with trytond-admin (the modules in MODULES), seeds what products, sales and
invoices need (a company, a chart of accounts, a fiscal year with its periods and invoice sequences, a payment
term, an accounting product category) with proteus and the modules' own test helpers, and keeps a copy of the
file. `restore()` puts that copy back (the server is stopped first, and SQLite's -wal and -shm files are
removed, or the old journal would be replayed onto the copy).

Facts this rests on, checked against trytond 8.2: the database file `<path>/<name>.sqlite` must exist before
trytond-admin runs; trytond-admin asks for the admin's e-mail on the first run unless `--email` is given and
reads the admin password from the file TRYTONPASSFILE names; `trytond` must be started with `-d <name>` or
every database call fails; the server is ready when `POST /rpc/` answers `common.server.version`. The
scripts are run by this Python (`python <script>`), so a moved virtual environment's stale shebangs do not
matter. Seeding runs in its own process (`python -m erpsync_gui.sandbox.tryton_seed`), so trytond's global
configuration never enters the caller's process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

MODULES = ("party", "company", "currency", "product", "stock", "account", "account_invoice", "sale")
ADMIN = "admin"
DATABASE = "erpsync"
START_TIMEOUT_S = 90
BUILD_TIMEOUT_S = 600
STOP_TIMEOUT_S = 15
INSTALL_HINT = "install the tryton extra: pip install erpsync[tryton]"


def missing() -> str | None:
    """Why a local Tryton server cannot be run here (None when it can)."""
    if importlib.util.find_spec("trytond") is None:
        return f"trytond is not installed ({INSTALL_HINT})"
    for module in MODULES:
        if importlib.util.find_spec(f"trytond.modules.{module}") is None:
            return f"the Tryton module {module} is not installed ({INSTALL_HINT})"
    if importlib.util.find_spec("proteus") is None:
        return f"proteus is not installed ({INSTALL_HINT})"
    for tool in ("trytond", "trytond-admin"):
        if script(tool) is None:
            return f"the {tool} command is not found beside {sys.executable} nor on PATH"
    return None


def script(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def trytond_version() -> str:
    from importlib.metadata import version

    return version("trytond")


class LocalTryton:
    """One trytond process serving one seeded SQLite database from `root` (a private temporary directory
    when none is given). The admin's password is made here and kept in `password`."""

    def __init__(self, database: str = DATABASE, root: Path | None = None, *,
                 env: Mapping[str, str] | None = None) -> None:
        self.database = database
        self.root = root or Path(tempfile.mkdtemp(prefix="erpsync-tryton-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.config = self.root / "trytond.conf"
        self.log = self.root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.snapshot = self.root / "snapshot.sqlite"
        #: extra environment for the seeding process (a test run's PYTHONPATH)
        self.env = dict(env or {})
        self.write_config()

    def write_config(self) -> None:
        self.config.write_text(f"[database]\nuri = sqlite://\npath = {self.root}\n"
                               f"[web]\nlisten = 127.0.0.1:{self.port}\n")

    @property
    def url(self) -> str:
        """The server's root URL (databases live under /<name>/)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def db_file(self) -> Path:
        return self.root / f"{self.database}.sqlite"

    # -- building -----------------------------------------------------------------------------------

    def build(self) -> None:
        """Create and seed the database, and keep its snapshot."""
        self.create()
        self.seed()
        shutil.copyfile(self.db_file, self.snapshot)

    def _run(self, args: list[str], what: str) -> None:
        passfile = self.root / "password.txt"
        env = {**os.environ, **self.env, "TRYTONPASSFILE": str(passfile)}
        passfile.write_text(self.password)
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, cwd=self.root,
                                  env=env, check=False)
        finally:
            passfile.unlink(missing_ok=True)
        if done.returncode != 0:
            output = (done.stderr.strip() or done.stdout.strip())[-3000:]
            raise RuntimeError(f"{what} failed ({done.returncode}): {output}")

    def create(self) -> None:
        self.db_file.touch()
        admin = script("trytond-admin")
        if admin is None:
            raise RuntimeError(f"trytond-admin is not found ({INSTALL_HINT})")
        self._run([sys.executable, admin, "-c", str(self.config), "-d", self.database, "--all",
                   "--email", "admin@example.com", "--activate-dependencies", "-u", *MODULES], "trytond-admin")

    def seed(self) -> None:
        self._run([sys.executable, "-m", "erpsync_gui.sandbox.tryton_seed", str(self.config), self.database],
                  "seeding the Tryton database")

    def put_snapshot(self) -> None:
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{self.db_file}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.snapshot, self.db_file)

    # -- running ------------------------------------------------------------------------------------

    def start(self) -> None:
        server = script("trytond")
        if server is None:
            raise RuntimeError(f"trytond is not found ({INSTALL_HINT})")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, server, "-c", str(self.config), "-d", self.database],
                                            cwd=self.root, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        body = {"id": 0, "method": "common.server.version", "params": []}
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"trytond exited with code {self.process.returncode}: {self.server_log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.post(f"{self.url}rpc/", json=body, timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"trytond on port {self.port} did not answer in {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)
        self.process = None

    def restore(self) -> None:
        """Back to the seeded database: stop, put the snapshot back, start again."""
        self.stop()
        self.put_snapshot()
        self.start()

    def close(self, *, keep_files: bool = False) -> None:
        self.stop()
        if not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
