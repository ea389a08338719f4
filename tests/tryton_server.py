"""A real Tryton server for the test session: trytond on SQLite, on 127.0.0.1 and a free port.

`build()` creates the database with trytond-admin (the modules in MODULES), seeds what products, sales
and invoices need (a company, a chart of accounts, a fiscal year with its periods and invoice sequences,
a payment term, an accounting product category) with proteus and the modules' own test helpers, and keeps
a copy of the file. `restore()` puts that copy back between test modules (the server is stopped first,
and SQLite's -wal and -shm files are removed, or the old journal would be replayed onto the copy).

Facts this rests on, checked against trytond 8.2: the database file `<path>/<name>.sqlite` must exist
before trytond-admin runs; trytond-admin asks for the admin's e-mail on the first run unless `--email`
is given and reads the admin password from the file TRYTONPASSFILE names; `trytond` must be started with
`-d <name>` or every database call fails; the server is ready when `POST /rpc/` answers
`common.server.version`.

`ERPSYNC_TRYTON_CACHE=<dir>` keeps the seeded database between sessions (creating it takes ~25 s).
Run as `python -m tests.tryton_server seed <config> <database>` this module seeds a database itself
(in its own process, so trytond's global configuration never enters the test process).
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

MODULES = ("party", "company", "currency", "product", "stock", "account", "account_invoice", "sale")
ADMIN = "admin"
DATABASE = "erpsync"
START_TIMEOUT_S = 90
BUILD_TIMEOUT_S = 600
STOP_TIMEOUT_S = 15
_REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_ENV = "ERPSYNC_TRYTON_CACHE"


def missing() -> str | None:
    """Why a Tryton server cannot be run here (None when it can)."""
    if importlib.util.find_spec("trytond") is None:
        return "trytond is not installed (pip install 'erpsync[tryton]')"
    for module in MODULES:
        if importlib.util.find_spec(f"trytond.modules.{module}") is None:
            return f"the Tryton module {module} is not installed (pip install 'erpsync[tryton]')"
    if importlib.util.find_spec("proteus") is None:
        return "proteus is not installed (pip install 'erpsync[tryton]')"
    for tool in ("trytond", "trytond-admin"):
        if _script(tool) is None:
            return f"the {tool} command is not found beside {sys.executable} nor on PATH"
    return None


def _script(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _version() -> str:
    from importlib.metadata import version

    return version("trytond")


class TrytonServer:
    """One trytond process serving one seeded SQLite database from a private temporary directory."""

    def __init__(self, database: str = DATABASE) -> None:
        self.database = database
        self.root = Path(tempfile.mkdtemp(prefix="erpsync-tryton-"))
        self.port = _free_port()
        self.password = secrets.token_urlsafe(12)
        self.config = self.root / "trytond.conf"
        self.log = self.root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._snapshot = self.root / "snapshot.sqlite"
        self.config.write_text(
            "[database]\nuri = sqlite://\n"
            f"path = {self.root}\n"
            "[web]\n"
            f"listen = 127.0.0.1:{self.port}\n"
        )

    @property
    def url(self) -> str:
        """The server's root URL (databases live under /<name>/)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def db_file(self) -> Path:
        return self.root / f"{self.database}.sqlite"

    # -- building ---------------------------------------------------------------------------------

    def build(self) -> None:
        """Create and seed the database (or take it from the cache) and keep its snapshot."""
        cache = self._cache_dir()
        if cache is not None and (cache / "db.sqlite").exists() and (cache / "password").exists():
            shutil.copyfile(cache / "db.sqlite", self._snapshot)
            self.password = (cache / "password").read_text().strip()
        else:
            self._create()
            self._seed()
            shutil.copyfile(self.db_file, self._snapshot)
            if cache is not None:
                cache.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self._snapshot, cache / "db.sqlite")
                (cache / "password").write_text(self.password)
        self._put_snapshot()

    def _cache_dir(self) -> Path | None:
        base = os.environ.get(CACHE_ENV)
        return Path(base) / f"trytond-{_version()}-{'-'.join(MODULES)}" if base else None

    def _run(self, args: list[str], what: str) -> None:
        env = {**os.environ, "TRYTONPASSFILE": str(self.root / "password.txt"), "PYTHONPATH": str(_REPO_ROOT)}
        (self.root / "password.txt").write_text(self.password)
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, cwd=self.root,
                                  env=env, check=False)
        finally:
            (self.root / "password.txt").unlink(missing_ok=True)
        if done.returncode != 0:
            output = (done.stderr.strip() or done.stdout.strip())[-3000:]
            raise RuntimeError(f"{what} failed ({done.returncode}): {output}")

    def _create(self) -> None:
        self.db_file.touch()
        admin = _script("trytond-admin")
        assert admin is not None
        self._run([admin, "-c", str(self.config), "-d", self.database, "--all", "--email", "admin@example.com",
                   "--activate-dependencies", "-u", *MODULES], "trytond-admin")

    def _seed(self) -> None:
        self._run([sys.executable, "-m", "tests.tryton_server", "seed", str(self.config), self.database],
                  "seeding the Tryton database")

    def _put_snapshot(self) -> None:
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{self.db_file}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self._snapshot, self.db_file)

    # -- running ----------------------------------------------------------------------------------

    def start(self) -> None:
        server = _script("trytond")
        assert server is not None
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([server, "-c", str(self.config), "-d", self.database],
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
        self._put_snapshot()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def admin(self, timeout: float = 120) -> TrytonAdmin:
        """A raw JSON-RPC session as the admin, to act in Tryton as a person would."""
        return TrytonAdmin(f"{self.url}{self.database}/rpc/", ADMIN, self.password, timeout=timeout)

    def __enter__(self) -> TrytonServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- a person at the Tryton client ----------------------------------------------------------------


def _decode(obj: dict[str, Any]) -> Any:
    import datetime

    kind = obj.get("__class__")
    if kind == "datetime":
        return datetime.datetime(obj["year"], obj["month"], obj["day"], obj["hour"], obj["minute"],
                                 obj["second"], obj["microsecond"])
    if kind == "date":
        return datetime.date(obj["year"], obj["month"], obj["day"])
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    return obj


def _encode(value: Any) -> Any:
    import datetime

    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
                "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}
    if isinstance(value, datetime.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(type(value).__name__)


class TrytonError(Exception):
    """A JSON-RPC error reply, as the server sent it."""


class TrytonAdmin:
    """Plain JSON-RPC with a session, independent of the product's own Tryton client."""

    def __init__(self, url: str, login: str, password: str, *, timeout: float = 120) -> None:
        self.url = url
        self.login = login
        self._password = password
        self._http = httpx.Client(timeout=timeout)
        self._login()
        self.context: dict[str, Any] = self._post("model.res.user.get_preferences", [True, {}], self._auth)

    def _login(self) -> None:
        result = self._post("common.db.login", [self.login, {"password": self._password}, "en"], None)
        self.user_id, self.session = result[0], result[1]
        token = base64.b64encode(f"{self.login}:{self.user_id}:{self.session}".encode()).decode()
        self._auth = f"Session {token}"

    def _post(self, method: str, params: list[Any], auth: str | None) -> Any:
        body = json.dumps({"id": 1, "method": method, "params": params}, default=_encode)
        headers = {"Content-Type": "application/json", **({"Authorization": auth} if auth else {})}
        response = self._http.post(self.url, content=body, headers=headers)
        if response.status_code == 401 and auth is not None:  # the session ended: log in again, as a person would
            self._login()
            headers["Authorization"] = self._auth
            response = self._http.post(self.url, content=body, headers=headers)
        response.raise_for_status()
        reply = json.loads(response.text, object_hook=_decode)
        if "error" in reply:
            raise TrytonError(reply["error"])
        return reply["result"]

    def call(self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None) -> Any:
        return self._post(f"model.{model}.{method}", [*args, {**self.context, **(context or {})}], self._auth)

    def rpc(self, method: str, *args: Any) -> Any:
        """A method outside the models (common.db.logout ...)."""
        return self._post(method, list(args), self._auth)

    def create(self, model: str, *values: dict[str, Any]) -> list[int]:
        return self.call(model, "create", list(values))

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self.call(model, "write", ids, values)

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        return self.call(model, "read", ids, fields, context={"active_test": False})

    def search_read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return self.call(model, "search_read", domain, 0, None, None, fields, context={"active_test": False})

    def close(self) -> None:
        self._http.close()


@contextlib.contextmanager
def running(database: str = DATABASE) -> Iterator[TrytonServer]:
    """A built and started server, closed afterwards (for scripts such as the benchmark)."""
    server = TrytonServer(database)
    try:
        server.build()
        server.start()
        yield server
    finally:
        server.close()


# -- seeding (runs in its own process) ------------------------------------------------------------


def _seed(config_file: str, database: str) -> None:
    from proteus import Model, config

    config.set_trytond(f"sqlite:///{database}", config_file=config_file)
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
    from trytond.modules.account_invoice.tests.tools import (
        create_payment_term,
        set_fiscalyear_invoice_sequences,
    )
    from trytond.modules.company.tests.tools import create_company, get_company
    from trytond.modules.currency.tests.tools import get_currency

    create_company(currency=get_currency("USD"))
    get_currency("EUR")
    company = get_company()
    create_chart(company)
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company))
    fiscalyear.click("create_period")
    create_payment_term().save()
    accounts = get_accounts(company)
    Category = Model.get("product.category")
    Category(name="Accounting", accounting=True, account_revenue=accounts["revenue"],
             account_expense=accounts["expense"]).save()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "seed":
        _seed(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m tests.tryton_server seed <config file> <database>")
