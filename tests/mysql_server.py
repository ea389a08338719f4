"""A throwaway MariaDB server for the test session: its own datadir, socket and port in a temp dir, a test
user with a password, bound to 127.0.0.1. As root its commands run as the `mysql` user."""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MYSQL_START_TIMEOUT_S = 30
MYSQL_STOP_TIMEOUT_S = 15
TEST_USER = "erpsync"
#: InnoDB's files kept small (a 96 MB redo log by default) so the datadir fits a container's 64 MB /dev/shm
_INNODB_FILES = ("--innodb-log-file-size=8M", "--innodb-autoextend-increment=8",
                 "--innodb-temp-data-file-path=ibtmp1:4M:autoextend")
_SHM_NEEDED_BYTES = 48 * 1024 * 1024
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/local/mysql/bin")


def _which(*names: str) -> Path | None:
    for name in names:
        found = shutil.which(name) or next(
            (str(Path(d) / name) for d in _SBIN_DIRS if (Path(d) / name).is_file()), None)
        if found:
            return Path(found)
    return None


def find_binaries() -> tuple[Path, Path] | None:
    """(server, install-db) of a MariaDB install (Debian's `mariadb-server`), or None."""
    server = _which("mariadbd", "mysqld")
    install_db = _which("mariadb-install-db", "mysql_install_db")
    return (server, install_db) if server and install_db else None


def _scratch_dir() -> str | None:
    """Memory-backed /dev/shm where there is one: InnoDB's file creation and syncs there cost next to
    nothing (server start ~0.6 s instead of ~4 s, a CREATE TABLE ~10 ms instead of ~70 ms)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK | os.X_OK)):
        return None
    stats = os.statvfs(shm)
    return str(shm) if stats.f_bavail * stats.f_frsize >= _SHM_NEEDED_BYTES else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MysqlServer:
    """One mariadbd process on 127.0.0.1 and a free port, with a private datadir removed by `stop()`."""

    def __init__(self, server: Path, install_db: Path) -> None:
        self.server = server
        self.install_db = install_db
        self.root = Path(tempfile.mkdtemp(prefix="erpsync-my-", dir=_scratch_dir()))
        self.data = self.root / "data"
        self.socket = self.root / "mysqld.sock"
        self.pid_file = self.root / "mysqld.pid"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(18)
        self.as_mysql = os.geteuid() == 0
        self.process: subprocess.Popen[bytes] | None = None
        if self.as_mysql:
            shutil.chown(self.root, "mysql", "mysql")

    def _cmd(self, tool: Path, *args: str) -> list[str]:
        cmd = [str(tool), *args]
        if not self.as_mysql:
            return cmd
        if shutil.which("runuser"):
            return ["runuser", "-u", "mysql", "--", *cmd]
        return ["su", "mysql", "-s", "/bin/sh", "-c", shlex.join(cmd)]

    def start(self) -> None:
        """Create the datadir, start the server, wait until it answers, then create the test user."""
        done = subprocess.run(
            self._cmd(self.install_db, "--no-defaults", f"--datadir={self.data}", "--skip-test-db",
                      "--auth-root-authentication-method=normal", "--skip-name-resolve", *_INNODB_FILES),
            capture_output=True, text=True, timeout=MYSQL_START_TIMEOUT_S, cwd=self.root, check=False)
        if done.returncode != 0:
            output = done.stderr.strip() or done.stdout.strip()
            raise RuntimeError(f"{self.install_db.name} failed ({done.returncode}): {output[-2000:]}")
        options = [
            "--no-defaults", f"--datadir={self.data}", f"--socket={self.socket}", f"--pid-file={self.pid_file}",
            f"--log-error={self.log}", "--bind-address=127.0.0.1", f"--port={self.port}", "--skip-name-resolve",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
            # a throwaway server: durability costs time and buys nothing; io_uring/AIO may be denied in containers
            "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-use-native-aio=0",
            "--innodb-buffer-pool-size=64M", "--skip-log-bin", *_INNODB_FILES,
        ]
        self.process = subprocess.Popen(self._cmd(self.server, *options), cwd=self.root,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self._wait_ready()
        self._create_user()

    def _admin(self):
        import pymysql

        return pymysql.connect(unix_socket=str(self.socket), user="root", connect_timeout=2, autocommit=True)

    def _wait_ready(self) -> None:
        import pymysql

        deadline = time.monotonic() + MYSQL_START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.server.name} exited with code {self.process.returncode}")
            if self.socket.exists():
                with contextlib.suppress(pymysql.Error):
                    self._admin().close()
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.server.name} on port {self.port} did not answer in {MYSQL_START_TIMEOUT_S} s")

    def _create_user(self) -> None:
        """The test user with a password over TCP; root keeps only its passwordless socket login."""
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE USER '{TEST_USER}'@'127.0.0.1' IDENTIFIED BY %s", (self.password,))
                cursor.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{TEST_USER}'@'127.0.0.1' WITH GRANT OPTION")
                cursor.execute("SELECT user, host FROM mysql.user WHERE host <> 'localhost' AND user <> %s",
                               (TEST_USER,))
                for user, host in cursor.fetchall():
                    cursor.execute("DROP USER %s@%s", (user, host))
        finally:
            connection.close()

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def stop(self) -> None:
        """Shut the server down (SIGTERM, then SIGKILL after a bounded wait) and remove its directory."""
        pid = None
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pid_file.read_text().strip())
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if self.process is not None:
            if pid is None:
                self.process.terminate()
            try:
                self.process.wait(MYSQL_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.process.kill()
                self.process.wait(MYSQL_STOP_TIMEOUT_S)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"mysql+pymysql://{TEST_USER}:{self.password}@127.0.0.1:{self.port}/"
