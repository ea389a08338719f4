"""The tray app's side of a headless service: the same calls the window makes of the local SyncService and
RunManager (runs, status, logs, errors, conflicts; start and cancel), answered by the service's control API.

No Qt. `RemoteRuns` looks at the service's queue every `poll_s` and calls the same listeners the RunManager
calls (started, finished, failed), so the window's run bridge works unchanged. The admin's PC holds only the
service's URL and token; the business systems' secrets stay on the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erpsync_gui.app.headless import wire
from erpsync_gui.app.headless.jobs import QueuedRun
from erpsync_gui.app.headless.schedule import ScheduledProfile, ScheduleView
from erpsync_gui.app.run_manager import RunKey, RunListeners
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.conflict_queries import OpenConflict
from erpsync_gui.store.log_handler import LogEntry
from erpsync_gui.store.queries import ErrorGroup, RunSummary

log = logging.getLogger("erpsync.app")

#: the keyring entry of the token of the service this PC connects to
TOKEN_OWNER = "*remote"
TOKEN_SECRET = "control_token"


@dataclass(frozen=True)
class ServiceStatus:
    version: str
    worker: str
    profiles: tuple[str, ...]
    queue: tuple[QueuedRun, ...]


class RemoteService:
    """A headless service's control API, through the product's HTTP client (retries, timeouts, redaction)."""

    def __init__(self, url: str, token: str, *, timeout: float = 10.0, verify: bool | str = True) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"the service's address {url!r} is not an http(s) URL",
                              hint="for example https://erpsync.office.lan:8780/")
        self.url = url.rstrip("/") + "/"
        self._token = token
        self._http = HttpClient(HttpSettings(base_url=self.url, timeout=timeout, retries=1, verify=verify,
                                             name="the ERPSync service"), secrets=[token])

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = self._http.request("GET", path, params=query, headers=self._auth())
        return response.json()

    def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        return self._http.request("POST", path, json=dict(body), headers=self._auth()).json()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    # -- what the window reads ---------------------------------------------------------------------
    def status(self) -> ServiceStatus:
        data = self._get("api/v1/status")
        return ServiceStatus(str(data["version"]), str(data["worker"]), tuple(data["profiles"]),
                             tuple(wire.load_list(QueuedRun, data["queue"])))

    def profiles(self) -> list[str]:
        return list(self._get("api/v1/profiles"))

    def entities(self, profile: str) -> list[dict[str, Any]]:
        return list(self._get("api/v1/entities", profile=profile))

    def recent_runs(self, profile: str, limit: int = 20) -> list[RunSummary]:
        return wire.load_list(RunSummary, self._get("api/v1/runs", profile=profile, limit=limit))

    def queue(self, profile: str) -> list[QueuedRun]:
        return wire.load_list(QueuedRun, self._get("api/v1/queue", profile=profile))

    def logs(self, profile: str, *, after_id: int | None = None, limit: int = 500,
             level: str | None = None) -> list[LogEntry]:
        return wire.load_list(LogEntry, self._get("api/v1/logs", profile=profile, after_id=after_id, limit=limit,
                                                  level=level))

    def errors(self, profile: str, include_resolved: bool = False) -> list[ErrorGroup]:
        return wire.load_list(ErrorGroup, self._get("api/v1/errors", profile=profile,
                                                    all="1" if include_resolved else None))

    def conflicts(self, profile: str) -> list[OpenConflict]:
        return wire.load_list(OpenConflict, self._get("api/v1/conflicts", profile=profile))

    # -- what the window does ----------------------------------------------------------------------
    def start(self, profile: str, entity: str, *, only: Mapping[Side, Sequence[str]] | None = None) -> int | None:
        body: dict[str, Any] = {"profile": profile, "entity": entity}
        if only is not None:
            body["only"] = {side.value: list(ids) for side, ids in only.items()}
        return self._post("api/v1/runs", body).get("job_id")

    def cancel(self, profile: str, entity: str) -> bool:
        return bool(self._post("api/v1/cancel", {"profile": profile, "entity": entity}).get("reached"))

    def resolve_conflict(self, profile: str, conflict_id: int, *, keep: str | None = None,
                         choice: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Decide a conflict on the service: every differing field from one side (`keep`: crm or erp), or per
        field (`choice`); the service writes both systems."""
        body: dict[str, Any] = {"profile": profile, "conflict": conflict_id}
        if keep is not None:
            body["keep"] = keep
        if choice is not None:
            body["choice"] = dict(choice)
        return dict(self._post("api/v1/conflicts", body))

    def schedule(self) -> ScheduleView:
        return _schedule_view(self._get("api/v1/schedule"))

    def set_paused(self, paused: bool) -> ScheduleView:
        """Pause or resume the service's schedule (it stays so across restarts of the service)."""
        return _schedule_view(self._post("api/v1/schedule", {"paused": paused}))


def _schedule_view(data: dict[str, Any]) -> ScheduleView:
    return ScheduleView(bool(data["paused"]), tuple(wire.load_list(ScheduledProfile, data["profiles"])))


class RemoteSchedule:
    """The scheduler's calls the tray makes (paused, pause, resume, next_run, listeners_changed), answered by the
    service's schedule: a Pause in the tray pauses the service. `refresh` reads it again (any thread)."""

    def __init__(self, remote: RemoteService, *, poll_s: float = 30.0) -> None:
        self.remote = remote
        self.poll_s = poll_s
        self.listeners_changed: list[Callable[[], None]] = []
        self._view = ScheduleView(False, ())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start_polling(self) -> None:
        """Read the service's schedule now and every `poll_s` from a thread of its own."""
        self._thread = threading.Thread(target=self._loop, name="remote-schedule", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        self.refresh()
        while not self._stop.wait(self.poll_s):
            self.refresh()

    @property
    def paused(self) -> bool:
        return self._view.paused

    def pause(self) -> None:
        self._set(True)

    def resume(self) -> None:
        self._set(False)

    def _set(self, paused: bool) -> None:
        try:
            self._view = self.remote.set_paused(paused)
        except ERPSyncError as exc:
            log.error("The service at %s did not take the %s: %s", self.remote.url,
                      "pause" if paused else "resume", exc)
        self._changed()

    def refresh(self) -> None:
        try:
            self._view = self.remote.schedule()
        except ERPSyncError as exc:
            log.warning("the service at %s did not answer: %s", self.remote.url, exc)
        self._changed()

    def next_run(self, profile_name: str) -> datetime | None:
        for entry in self._view.profiles:
            if entry.profile == profile_name:
                return entry.next_run
        return None

    def shutdown(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.remote.close()

    def _changed(self) -> None:
        for listener in list(self.listeners_changed):
            try:
                listener()
            except Exception:  # a broken listener must not stop the others
                log.exception("a schedule listener failed")


class RemoteRuns:
    """The RunManager's calls and listeners over a service: runs start and stop there; `poll` (called every
    `poll_s` by a thread of its own once `start_polling` ran) turns what changed in its queue into events."""

    def __init__(self, remote: RemoteService, profile: str, *, poll_s: float = 2.0) -> None:
        self.remote = remote
        self.profile = profile
        self.poll_s = poll_s
        self.listeners = RunListeners()
        self._known: dict[RunKey, QueuedRun] = {}
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def is_running(self, profile: str, entity: str) -> bool:
        with self._guard:
            return RunKey(profile, entity) in self._known

    def running(self) -> list[RunKey]:
        with self._guard:
            return list(self._known)

    def start(self, profile: str, entity: str, *, only: Mapping[Side, Sequence[str]] | None = None,
              **_ignored: Any) -> bool:
        """Queue the run on the service; False when one of the entity is already queued or running."""
        if self.is_running(profile, entity):
            return False
        try:
            self.remote.start(profile, entity, only=only)
        except ERPSyncError as exc:
            self._emit(self.listeners.failed, RunKey(profile, entity), exc)
            return False
        self.poll()
        return True

    def cancel(self, profile: str, entity: str) -> bool:
        return self.remote.cancel(profile, entity)

    def poll(self) -> None:
        """Compare the service's queue with the last look: new keys started, vanished keys finished."""
        queued = {RunKey(r.profile, r.entity): r for r in self.remote.queue(self.profile)}
        with self._guard:
            started = [k for k in queued if k not in self._known]
            ended = [k for k in self._known if k not in queued]
            self._known = queued
        for key in started:
            self._emit(self.listeners.started, key, queued[key].trigger)
        if ended:
            latest = {r.entity: r for r in reversed(self.remote.recent_runs(self.profile, limit=50))}
            for key in ended:
                run = latest.get(key.entity)
                if run is not None:
                    self._emit(self.listeners.finished, key, run)

    def start_polling(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="remote-runs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll()
            except ERPSyncError as exc:
                log.warning("the service at %s did not answer: %s", self.remote.url, exc)

    def wait(self, timeout: float | None = None) -> None:
        """Nothing runs in this process."""

    def shutdown(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @staticmethod
    def _emit(listeners: list, *args: Any) -> None:
        for listener in list(listeners):
            try:
                listener(*args)
            except Exception:  # a broken listener must not stop the polling
                log.exception("a run listener failed")


def connect(url: str, secrets: SecretStore) -> RemoteService:
    """A client of the service at `url` with the token kept in this PC's keyring; ConfigError without one."""
    token = secrets.get(TOKEN_OWNER, Side.CRM, TOKEN_SECRET)
    if not token:
        raise ConfigError("no token for the ERPSync service is stored on this PC",
                          hint="on the server, `erpsync service token` prints it; paste it in the service setting")
    return RemoteService(url, token)
