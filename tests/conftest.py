"""Shared fixtures: an in-memory keyring and a private data directory for every test, a fresh SQLite
store, and throwaway PostgreSQL and MariaDB servers for the session (a fresh database per test)."""

from __future__ import annotations

import contextlib
import glob
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.memory_keyring import MemoryKeyring
from tests.mysql_server import MysqlServer, find_binaries

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# From the first import on, never the machine's keyring: a module- or session-scoped fixture (a demo data
# directory made once for a module) runs before the per-test keyring below is put in place, and whatever
# keyring.get_keyring() would pick on its own (a configured or detected backend) must not be it.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
keyring.set_keyring(MemoryKeyring())

_REPO_ROOT = Path(__file__).resolve().parent.parent
PG_START_TIMEOUT_S = 60
_PG_URL_ENV = "ERPSYNC_TEST_POSTGRES_URL"
_MYSQL_URL_ENV = "ERPSYNC_TEST_MYSQL_URL"


@pytest.fixture(autouse=True, scope="session")
def memory_system_kind() -> None:
    """The in-memory test system is a connector kind of the catalogue, so profiles naming it can be saved."""
    from erpsync_gui.config.kinds import register_kind
    from tests.fakes.memory import KIND

    register_kind(KIND)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """A fresh, empty in-memory keyring per test; subprocesses are told to use the same backend class."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
    # so that a subprocess started from anywhere (an installed `erpsync` script) can import that backend
    paths = [str(_REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def request_count_ledger() -> Iterator[None]:
    """A test that opened a data directory (the CLI, the window) leaves no request-count ledger behind in the
    process, so the next test's rate limits start from its own data directory, not a deleted one."""
    from erpsync_gui.http import ratelimit

    yield
    ratelimit.REGISTRY.use_ledger(None)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Points ERPSYNC_DATA_DIR at a private directory so no test touches the real user data."""
    path = tmp_path / "erpsync-data"
    monkeypatch.setenv("ERPSYNC_DATA_DIR", str(path))
    return path


@pytest.fixture
def store(tmp_path: Path):
    """A fresh, migrated SQLite state store in tmp_path."""
    from erpsync_gui.store.db import open_store

    opened = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield opened
    opened.close()


# -- PostgreSQL ---------------------------------------------------------------------------------------


def _no_postgres(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL server: {reason}")


def _pg_bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Cluster:
    """A throwaway PostgreSQL cluster in a temp dir; as root its commands run as the `postgres` user."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="erpsync-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.sockets.mkdir()
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")

    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / tool), *args]
        if not self.as_postgres:
            return cmd
        if shutil.which("runuser"):
            return ["runuser", "-u", "postgres", "--", *cmd]
        return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]

    def run(self, tool: str, *args: str, timeout: float = PG_START_TIMEOUT_S) -> None:
        done = subprocess.run(self._cmd(tool, *args), capture_output=True, text=True, timeout=timeout,
                              cwd=self.root, check=False)
        if done.returncode != 0:
            output = done.stderr.strip() or done.stdout.strip()
            raise RuntimeError(f"{tool} failed ({done.returncode}): {output}")

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.sockets} -F "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                 "-t", str(PG_START_TIMEOUT_S), "-o", options, "start")
        self._wait_ready()

    def _wait_ready(self) -> None:
        isready = self.bin_dir / "pg_isready"
        deadline = time.monotonic() + PG_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if isready.exists():
                args = [str(isready), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
                if subprocess.run(args, capture_output=True, check=False).returncode == 0:
                    return
            else:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL on port {self.port} did not become ready in {PG_START_TIMEOUT_S} s")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL server: $ERPSYNC_TEST_POSTGRES_URL, else a throwaway cluster for the session."""
    given = os.environ.get(_PG_URL_ENV)
    if given:
        if given.startswith(("postgres://", "postgresql://")):
            given = "postgresql+psycopg://" + given.split("://", 1)[1]
        yield given
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _no_postgres("the psycopg driver is not installed (pip install 'erpsync[postgres]')")
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        _no_postgres(f"initdb not on PATH nor in /usr/lib/postgresql/*/bin, and {_PG_URL_ENV} is unset")
    cluster = _Cluster(bin_dir)
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        log_file = cluster.root / "server.log"
        server_log = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        cluster.stop()
        _no_postgres(f"{exc}\n{server_log}".strip())
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def pg_store_url(pg_url: str) -> Iterator[str]:
    """A freshly created, uniquely named database on the PostgreSQL server, dropped after the test."""
    name = f"erpsync_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _no_postgres(f"cannot create a database on {make_url(pg_url).render_as_string()}: {exc}")
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- MariaDB / MySQL ----------------------------------------------------------------------------------


def _no_mysql(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"MySQL/MariaDB tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"no MySQL/MariaDB server: {reason}")


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """URL of a MariaDB/MySQL server (a user with a password, no database): $ERPSYNC_TEST_MYSQL_URL, else a
    throwaway MariaDB server for the session."""
    given = os.environ.get(_MYSQL_URL_ENV)
    if given:
        if given.startswith(("mysql://", "mariadb://")):
            given = "mysql+pymysql://" + given.split("://", 1)[1]
        yield given
        return
    try:
        import pymysql  # noqa: F401
    except ImportError:
        _no_mysql("the PyMySQL driver is not installed (pip install 'erpsync[mysql]')")
    binaries = find_binaries()
    if binaries is None:
        _no_mysql(f"mariadbd or mariadb-install-db not found (apt-get install mariadb-server), "
                  f"and {_MYSQL_URL_ENV} is unset")
    server = MysqlServer(*binaries)
    try:
        server.start()
    except Exception as exc:  # any failure to start is reported with the server's own log
        server_log = server.server_log()
        server.stop()
        _no_mysql(f"{exc}\n{server_log}".strip())
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def mysql_db_url(mysql_url: str) -> Iterator[str]:
    """A freshly created, uniquely named utf8mb4 database on the MariaDB/MySQL server, dropped after the test."""
    name = f"erpsync_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(mysql_url, poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    except Exception as exc:
        admin.dispose()
        _no_mysql(f"cannot create a database on {make_url(mysql_url).render_as_string()}: {exc}")
    try:
        yield make_url(mysql_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


# -- ending the session -------------------------------------------------------------------------------

def pytest_terminal_summary(terminalreporter) -> None:
    """The figures of each proof suite that ran (tests/reliability/figures.py), passed or not."""
    from tests.reliability.figures import SHOWN

    if SHOWN:
        terminalreporter.section("proof figures")
        for line in SHOWN:
            terminalreporter.write_line(line)


_exit_status = {"code": 0}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """As erpsync-gui does: once pytest has reported everything, end without the interpreter's final garbage
    collection, where the Qt bindings can crash ("bool_dealloc") after a session of UI tests that all passed."""
    if "PySide6" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])
