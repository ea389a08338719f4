"""A real Tryton server for the test session: the product's local Tryton (erpsync_gui.sandbox.tryton_local,
the same that `erpsync demo --erp tryton` runs), with the seeded database kept between sessions when
`ERPSYNC_TRYTON_CACHE=<dir>` is set (creating it takes ~25 s), and a person working in it as its admin over
plain JSON-RPC, independent of the product's own Tryton client.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from erpsync_gui.sandbox.tryton_local import ADMIN, DATABASE, MODULES, LocalTryton, missing, trytond_version

__all__ = ["ADMIN", "DATABASE", "MODULES", "TrytonAdmin", "TrytonServer", "missing", "running"]
_REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_ENV = "ERPSYNC_TRYTON_CACHE"


class TrytonServer(LocalTryton):
    """The session's server: its seeded database from the cache when there is one."""

    def __init__(self, database: str = DATABASE) -> None:
        super().__init__(database, env={"PYTHONPATH": str(_REPO_ROOT)})

    def build(self) -> None:
        cache = self._cache_dir()
        if cache is not None and (cache / "db.sqlite").exists() and (cache / "password").exists():
            shutil.copyfile(cache / "db.sqlite", self.snapshot)
            self.password = (cache / "password").read_text().strip()
        else:
            super().build()
            if cache is not None:
                cache.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.snapshot, cache / "db.sqlite")
                (cache / "password").write_text(self.password)
        self.put_snapshot()

    def _cache_dir(self) -> Path | None:
        base = os.environ.get(CACHE_ENV)
        return Path(base) / f"trytond-{trytond_version()}-{'-'.join(MODULES)}" if base else None

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
