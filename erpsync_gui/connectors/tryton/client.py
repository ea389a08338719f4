"""The Tryton JSON-RPC client: one POST per call to `/<database>/rpc/` (or `/<database>/` on servers older
than the `rpc/` route), through the product's HTTP layer, with the session auth of auth.py.

Model methods are `model.<model>.<method>` and take the user's context as their last argument
(trytond/rpc.py pops it from the end of the arguments); the context is the user's preferences
(`model.res.user.get_preferences` with `context_only`), merged with the connector's overrides.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from erpsync_gui.connectors.tryton import codec
from erpsync_gui.connectors.tryton.errors import rpc_error
from erpsync_gui.errors import (
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from erpsync_gui.http import HttpClient

log = logging.getLogger(__name__)

#: methods that change nothing: a call of one that got no answer can simply be made again
READ_METHODS = frozenset({"search", "search_read", "search_count", "read", "fields_get", "get_preferences"})
_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class TrytonClient:
    """Calls on one database. `rpc_path` is "auto" (try `rpc/`, fall back on a 404), "rpc" or "legacy"."""

    def __init__(self, http: HttpClient, database: str, *, rpc_path: str = "auto",
                 context: Mapping[str, Any] | None = None) -> None:
        self.http = http
        self.database = database
        self._paths = {"rpc": [f"{database}/rpc/"], "legacy": [f"{database}/"],
                       "auto": [f"{database}/rpc/", f"{database}/"]}[rpc_path]
        self._path: str | None = None if rpc_path == "auto" else self._paths[0]
        self._overrides = dict(context or {})
        self._context: dict[str, Any] | None = None
        self._next_id = 0
        #: the HTTP Date header of the last reply (the server's clock), when it sent one
        self.last_date: datetime | None = None

    @property
    def path(self) -> str:
        """The RPC path in use (relative to the server's root URL)."""
        return self._path or self._paths[0]

    # -- calls --------------------------------------------------------------------------------------

    def call(self, method: str, params: Sequence[Any], *, what: str | None = None) -> Any:
        """One JSON-RPC call; its `result`, or the typed error its `error` stands for."""
        what = what or method
        self._next_id += 1
        body = codec.encode({"id": self._next_id, "method": method, "params": list(params)})
        response = self._post(body, method, what)
        self._remember_date(response)
        try:
            reply = codec.decode(response.content)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or ("result" not in reply and "error" not in reply):
            raise PermanentError(f"malformed reply from Tryton for {what} at {self._shown(response)}",
                                 status=response.status_code, hint="check that the URL points at a Tryton server")
        if reply.get("error") is not None:
            raise rpc_error(reply["error"], what)
        return reply.get("result")

    def _post(self, body: bytes, method: str, what: str) -> httpx.Response:
        readonly = method.rsplit(".", 1)[-1] in READ_METHODS
        candidates = [self._path] if self._path else self._paths
        for i, path in enumerate(candidates):
            try:
                response = self.http.request("POST", path, content=body, headers=_HEADERS)
            except PermanentError as exc:
                # 404: no such path or database; 405: a newer server has no POST route at the older path
                if exc.status not in (404, 405):
                    raise
                if i + 1 < len(candidates):
                    log.info("Tryton has no %s; trying %s", path, candidates[i + 1])
                    continue
                raise NotFoundError(f"no Tryton database {self.database!r} at {self._root()}",
                                    status=exc.status, hint="check the URL and the database name") from None
            except OutcomeUnknownError as exc:
                if not readonly:
                    raise
                # a read changes nothing: unanswered, it is simply worth asking again
                raise RetryableError(f"Tryton did not answer {what} at {self._root()}{path}",
                                     details=exc.message, hint="the read is made again later") from exc
            self._path = path
            return response
        raise AssertionError("unreachable")

    def model(self, model: str, method: str, *args: Any, context: Mapping[str, Any] | None = None,
              what: str | None = None) -> Any:
        """`model.<model>.<method>(*args, context)` with the user's context (and `context` on top)."""
        full = {**self.context(), **(context or {})}
        return self.call(f"model.{model}.{method}", [*args, full], what=what or f"{method} on {model}")

    def context(self) -> dict[str, Any]:
        """The user's context: Tryton's preferences, then the connector's overrides (read once)."""
        if self._context is None:
            prefs = self.call("model.res.user.get_preferences", [True, {}], what="the user's preferences")
            if not isinstance(prefs, dict):
                raise PermanentError("malformed reply from Tryton for the user's preferences",
                                     hint="check that the URL points at a Tryton server")
            self._context = {**prefs, **self._overrides}
        return dict(self._context)

    def server_version(self) -> str:
        """`common.server.version` at the server's root (`/rpc/` here, the root itself on old servers)."""
        for path in ("rpc/", ""):
            body = codec.encode({"id": 0, "method": "common.server.version", "params": []})
            try:
                response = self.http.request("POST", path, content=body, headers=_HEADERS)
            except NotFoundError:
                continue
            self._remember_date(response)
            try:
                result = codec.decode(response.content).get("result")
            except (ValueError, AttributeError):
                result = None
            if isinstance(result, str):
                return result
        raise PermanentError(f"malformed reply from Tryton for the server version at {self._root()}",
                             hint="check that the URL points at a Tryton server")

    # -- helpers ------------------------------------------------------------------------------------

    def _remember_date(self, response: httpx.Response) -> None:
        header = response.headers.get("date")
        if not header:
            return
        try:
            self.last_date = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return

    def _root(self) -> str:
        return str(self.http.settings.base_url)

    @staticmethod
    def _shown(response: httpx.Response) -> str:
        return str(response.request.url.copy_with(query=None))
