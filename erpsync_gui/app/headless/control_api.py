"""The service's status and control API: a small stdlib HTTP server (HTTPS when given a certificate).

Every call needs `Authorization: Bearer <token>` (the token is in the service's keyring). Plain HTTP is only
served on a loopback address. The tray app reads runs, the queue, log lines, errors and conflicts here, and
starts or cancels runs; it never needs the business systems' secrets. Request lines are not logged.

GET  /api/v1/status                             version, worker, profiles, queued and running jobs
GET  /api/v1/profiles                           profile names
GET  /api/v1/entities?profile=P                 the profile's entities (name, enabled, direction)
GET  /api/v1/runs?profile=P[&limit=N]           recent runs, newest first
GET  /api/v1/queue?profile=P                    sync jobs waiting or running
GET  /api/v1/logs?profile=P[&after_id=N][&limit=N][&level=L]
GET  /api/v1/errors?profile=P[&all=1]           errors grouped by signature
GET  /api/v1/conflicts?profile=P                conflicts waiting for a person
GET  /api/v1/schedule                           paused, and each profile's next scheduled run
POST /api/v1/runs      {"profile", "entity"[, "only"]}   queue a run: {"job_id"}
POST /api/v1/cancel    {"profile", "entity"}             {"reached": jobs cancelled or asked to stop}
POST /api/v1/schedule  {"paused": true|false}            pause or resume the schedule: the new schedule
POST /api/v1/conflicts {"profile", "conflict", "keep": "crm"|"erp" | "choice": {field: "crm"|"erp"}}
                                                 decide a conflict: both systems written, {"crm_id", "erp_id"}
"""

from __future__ import annotations

import hmac
import json
import logging
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tzlocal import get_localzone

from erpsync_gui import __version__
from erpsync_gui.app.headless import jobs, schedule, service_state, wire
from erpsync_gui.app.headless.runtime import Runtime
from erpsync_gui.app.headless.schedule import ScheduleView
from erpsync_gui.app.headless.settings import ServiceSettings
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.store import queries
from erpsync_gui.store.conflict_queries import open_conflicts
from erpsync_gui.store.log_handler import query_log

log = logging.getLogger("erpsync.service")
MAX_BODY = 64 * 1024
MAX_LIMIT = 5000


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


Query = dict[str, list[str]]


class ControlApi:
    """The API's handlers over one worker runtime; `serve` puts them on a socket."""

    def __init__(self, runtime: Runtime, token: str, *, worker_name: str) -> None:
        self.runtime = runtime
        self._token = token.encode("utf-8")
        self.worker_name = worker_name
        self._get: dict[str, Callable[[Query], Any]] = {
            "/api/v1/status": self.status, "/api/v1/profiles": self.profiles, "/api/v1/entities": self.entities,
            "/api/v1/runs": self.runs, "/api/v1/queue": self.queue, "/api/v1/logs": self.logs,
            "/api/v1/errors": self.errors, "/api/v1/conflicts": self.conflicts, "/api/v1/schedule": self.schedule,
        }
        self._post: dict[str, Callable[[dict[str, Any]], Any]] = {
            "/api/v1/runs": self.start_run, "/api/v1/cancel": self.cancel, "/api/v1/schedule": self.set_paused,
            "/api/v1/conflicts": self.resolve_conflict,
        }

    def authorized(self, header: str | None) -> bool:
        given = (header or "").removeprefix("Bearer ").strip().encode("utf-8")
        return hmac.compare_digest(given, self._token)

    def handle(self, method: str, path: str, query: Query, body: bytes) -> tuple[int, bytes]:
        """Answer one authorized call: (status, JSON body)."""
        table: dict[str, Callable[[Any], Any]] = self._get if method == "GET" else self._post
        handler = table.get(path)
        if handler is None:
            raise ApiError(404, "no such call")
        argument: Any = query
        if method == "POST":
            try:
                argument = json.loads(body.decode("utf-8") or "{}")
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "the body is not JSON") from None
            if not isinstance(argument, dict):
                raise ApiError(400, "the body is not a JSON object")
        try:
            return 200, wire.dumps(handler(argument))
        except ConfigError as exc:
            raise ApiError(400, self.runtime.service.redact(str(exc))) from None
        except ERPSyncError as exc:
            raise ApiError(409, self.runtime.service.redact(str(exc))) from None

    # -- reading ---------------------------------------------------------------------------------
    def _profile_id(self, query: Query) -> int:
        return self.runtime.service.profile(_one(query, "profile")).stored_id

    def status(self, _query: Query) -> dict[str, Any]:
        return {"version": __version__, "worker": self.worker_name, "profiles": self.profiles(_query),
                "queue": jobs.queued_runs(self.runtime.client)}

    def profiles(self, _query: Query) -> list[str]:
        return [p.name for p in self.runtime.service.config.list_profiles()]

    def entities(self, query: Query) -> list[dict[str, Any]]:
        profile = self.runtime.service.profile(_one(query, "profile"))
        return [{"entity": e.entity, "enabled": e.enabled, "direction": e.direction.value} for e in profile.entities]

    def runs(self, query: Query) -> list[queries.RunSummary]:
        return queries.recent_runs(self.runtime.store, self._profile_id(query), limit=_limit(query, 20))

    def queue(self, query: Query) -> list[jobs.QueuedRun]:
        return jobs.queued_runs(self.runtime.client, _one(query, "profile"))

    def logs(self, query: Query) -> list[Any]:
        after = _optional_int(query, "after_id")
        level = _optional(query, "level")
        return query_log(self.runtime.store, level=level, after_id=after, limit=_limit(query, 500),
                         profile_id=self._profile_id(query))

    def errors(self, query: Query) -> list[queries.ErrorGroup]:
        everything = _optional(query, "all") in ("1", "true")
        return queries.grouped_errors(self.runtime.store, self._profile_id(query), include_resolved=everything)

    def conflicts(self, query: Query) -> list[Any]:
        return open_conflicts(self.runtime.store, self._profile_id(query))

    def schedule(self, _query: Query) -> ScheduleView:
        return schedule.view(self.runtime.store, self.runtime.service.config.list_profiles(),
                             service_state.now_utc(), get_localzone())

    # -- control ---------------------------------------------------------------------------------
    def set_paused(self, body: dict[str, Any]) -> ScheduleView:
        paused = body.get("paused")
        if not isinstance(paused, bool):
            raise ApiError(400, "paused must be true or false")
        service_state.set_paused(self.runtime.store, paused)
        log.info("Schedule %s through the control API", "paused" if paused else "resumed")
        return self.schedule({})

    def start_run(self, body: dict[str, Any]) -> dict[str, Any]:
        profile, entity = _text(body, "profile"), _text(body, "entity")
        config = self.runtime.service.profile(profile)
        config.entity(entity)  # ConfigError for an entity the profile does not sync
        only = body.get("only")
        if only is not None and not (isinstance(only, dict) and all(isinstance(v, list) for v in only.values())):
            raise ApiError(400, "only must map a side (crm, erp) to a list of record ids")
        job_id = jobs.defer_sync(self.runtime.client, config.name, entity, trigger="manual", only=only)
        log.info("Run of %s of profile %r queued through the control API (job %s)", entity, config.name, job_id,
                 extra={"profile_id": config.id, "entity": entity})
        return {"job_id": job_id}

    def resolve_conflict(self, body: dict[str, Any]) -> dict[str, Any]:
        """Write the decision to both systems, as the Conflicts page of the tray app does on its own PC."""
        from erpsync_gui.app import conflicts

        profile = _text(body, "profile")
        number = body.get("conflict")
        if not isinstance(number, int) or isinstance(number, bool):
            raise ApiError(400, "conflict must be a conflict's number")
        config = self.runtime.service.profile(profile)
        keep, choice = body.get("keep"), body.get("choice")
        if keep is not None:
            if keep not in conflicts.CHOICES:
                raise ApiError(400, "keep must be crm or erp")
            found = next((c for c in open_conflicts(self.runtime.store, config.stored_id) if c.id == number), None)
            if found is None:
                raise ApiError(404, f"no open conflict {number} in profile {profile!r}")
            choice = dict.fromkeys(found.differing, keep)
        if not (isinstance(choice, dict) and all(v in conflicts.CHOICES for v in choice.values())):
            raise ApiError(400, "give keep (crm or erp) or choice (each field: crm or erp)")
        done = conflicts.resolve(self.runtime.service, config.name, number, choice)
        log.info("Conflict %s on %s of profile %r decided through the control API", number, done.entity,
                 config.name, extra={"profile_id": config.id, "entity": done.entity})
        return {"conflict": number, "entity": done.entity, "crm_id": done.crm.id, "erp_id": done.erp.id}

    def cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"reached": jobs.cancel_runs(self.runtime.client, _text(body, "profile"), _text(body, "entity"))}


def _one(query: Query, name: str) -> str:
    values = query.get(name)
    if not values or not values[0]:
        raise ApiError(400, f"{name} is missing")
    return values[0]


def _optional(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _optional_int(query: Query, name: str) -> int | None:
    value = _optional(query, name)
    if value is None:
        return None
    if not value.isdigit():
        raise ApiError(400, f"{name} must be a whole number")
    return int(value)


def _limit(query: Query, default: int) -> int:
    return min(_optional_int(query, "limit") or default, MAX_LIMIT)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ApiError(400, f"{name} is missing")
    return value


class ControlServer:
    """The API on a socket, served from a thread."""

    def __init__(self, api: ControlApi, settings: ServiceSettings) -> None:
        settings.check_control()
        self.api = api
        self.settings = settings
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("the control API is not started")
        host, port = self._http.server_address[:2]
        assert isinstance(host, str)  # an IP server's address; bytes only for a UNIX socket
        return f"{'https' if self.settings.tls else 'http'}://{host}:{port}/"

    def start(self) -> ControlServer:
        api = self.api

        class Handler(_Handler):
            owner = api

        try:
            self._http = _Server((self.settings.control_host, self.settings.control_port), Handler)
        except OSError as exc:
            raise ConfigError(f"the control API cannot listen on {self.settings.control_host}:"
                              f"{self.settings.control_port}: {exc}", hint="choose another --control-port") from None
        if self.settings.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                context.load_cert_chain(str(self.settings.tls_cert), str(self.settings.tls_key))
            except (OSError, ssl.SSLError) as exc:
                self._http.server_close()
                raise ConfigError(f"the control API's certificate cannot be used: {exc}") from None
            self._http.socket = context.wrap_socket(self._http.socket, server_side=True)
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.1,), name="control-api", daemon=True)
        self._thread.start()
        log.info("control API listening on %s", self.url)
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._http = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ERPSync-Service"
    sys_version = ""
    owner: ControlApi

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        size = int(length) if length and length.isdigit() else 0
        if size > MAX_BODY:
            self._send(413, {"error": "body too large"}, close=True)
            return
        body = self.rfile.read(size) if size else b""
        if not self.owner.authorized(self.headers.get("Authorization")):
            self._send(401, {"error": "a valid token is needed"}, headers={"WWW-Authenticate": "Bearer"})
            return
        parts = urlsplit(self.path)
        try:
            status, payload = self.owner.handle(self.command, parts.path, parse_qs(parts.query), body)
        except ApiError as exc:
            self._send(exc.status, {"error": str(exc)})
            return
        except Exception:  # a bug must not kill the server, nor tell the caller more than "internal error"
            log.exception("the control API failed on a call")
            self._send(500, {"error": "internal error"})
            return
        self._write(status, payload)

    def _send(self, status: int, body: dict[str, Any], *, close: bool = False,
              headers: dict[str, str] | None = None) -> None:
        self._write(status, json.dumps(body).encode("utf-8"), close=close, headers=headers)

    def _write(self, status: int, payload: bytes, *, close: bool = False,
               headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:
            log.debug("a control API client went away before its answer")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines are left out of the log: queries hold profile names and record ids
