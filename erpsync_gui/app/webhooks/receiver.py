"""The receiver's pipeline: path token, source allow-list, rate limit, verification, event log, debounce,
then the sync of the records named, through the engine's "only these records" path.

`handle` answers each call at once (the sync happens later, on the dispatcher thread), so a slow ERP
never holds up the CRM's webhook. Events left queued by a process that stopped are picked up at start.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from erpsync_gui.app.webhooks.debounce import Debouncer
from erpsync_gui.app.webhooks.events import EventLog
from erpsync_gui.app.webhooks.limits import AllowList, SourceRateLimit, normalized
from erpsync_gui.app.webhooks.settings import WebhookSettings
from erpsync_gui.app.webhooks.verify import IncomingCall, VerificationError, Verifier
from erpsync_gui.errors import ERPSyncError

log = logging.getLogger("erpsync.webhooks")

#: sync(entity, record ids) -> the run's (run id, status, message); raises ERPSyncError when it cannot run
SyncFn = Callable[[str, list[str]], "SyncOutcome"]
#: how often a sync refused because the entity is busy elsewhere is tried again before the events fail
BUSY_RETRIES = 5


@dataclass(frozen=True)
class SyncOutcome:
    run_id: int | None
    status: str
    message: str | None = None
    #: True when the run could not start because another one of the entity was going on
    busy: bool = False
    #: how many of the records asked for the run read from their system (None: not known)
    read: int | None = None
    #: how many of them failed in the run (None: not known)
    failed: int | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class WebhookReceiver:
    def __init__(self, settings: WebhookSettings, *, token: str, verifier: Verifier, events: EventLog,
                 sync: SyncFn, clock: Callable[[], float] = time.monotonic) -> None:
        if len(token) < 16:
            raise ValueError("the path token is too short to be unguessable")
        self.settings = settings
        self._path = f"{settings.path.rstrip('/')}/{token}".encode()
        self._verify = verifier
        self.events = events
        self._sync = sync
        self._allow = AllowList(settings.allow)
        self._rate = SourceRateLimit(settings.rate_per_minute, clock=clock)
        self._debounce = Debouncer(settings.debounce_s, clock=clock)
        self._busy_tries: dict[tuple[str, str], int] = {}
        self._cond = threading.Condition()
        self._log_lock = threading.Lock()
        self._dispatching = False
        self._stop = False
        self._thread: threading.Thread | None = None

    # -- calls -------------------------------------------------------------------------------------
    def handle(self, call: IncomingCall) -> Reply:
        """Answer one call; never raises for anything the caller sent."""
        if not hmac.compare_digest(call.path.rstrip("/").encode("utf-8", "replace"), self._path):
            return Reply(404, {"ok": False, "error": "not found"})
        source = normalized(call.source)
        if not self._allow.allows(source):
            logged = self.events.refused(source, f"the source {source} is not on the allow-list")
            log.warning("webhook from %s refused: the source is not allowed (event %d)", source, logged.id)
            return Reply(403, {"ok": False, "error": "source not allowed", "event": logged.id})
        if not self._rate.allow(source):
            log.warning("webhook from %s refused: more than %d calls a minute", source, self.settings.rate_per_minute)
            return Reply(429, {"ok": False, "error": "too many calls"}, {"Retry-After": "60"})
        try:
            claims = self._verify(call)
        except VerificationError as exc:
            logged = self.events.refused(source, exc.reason)
            log.warning("webhook from %s refused: %s (event %d)", source, exc.reason, logged.id)
            return Reply(exc.status, {"ok": False, "error": exc.reason, "event": logged.id})
        with self._log_lock:  # the duplicate check and the insert are one step, also for calls that race
            return Reply(200, {"ok": True, "events": self._take(source, claims)})

    def _take(self, source: str, claims: Sequence[Any]) -> list[dict[str, Any]]:
        results = []
        for claim in claims:
            entity = self.settings.entities.get(claim.type)
            logged = self.events.received(source, claim, entity, dedupe_window_s=self.settings.dedupe_window_s)
            if logged.status == "received" and entity is not None:
                self.events.mark([logged.id], "queued", "waiting for the debounce time")
                with self._cond:
                    self._debounce.add((entity, claim.record_id), logged.id)
                    self._cond.notify_all()
                status = "queued"
            else:
                status = logged.status
                if logged.duplicate_of is not None and entity is not None:
                    with self._cond:
                        self._debounce.touch((entity, claim.record_id))
            results.append({"id": logged.id, "status": status, "detail": logged.detail})
        return results

    # -- the dispatcher -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start dispatching; events a stopped process left queued are queued again first."""
        for entry in self.events.pending():
            if entry.entity and entry.record_id:
                self._debounce.add((entry.entity, entry.record_id), entry.id)
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def flush(self) -> int:
        """Sync everything waiting now, without waiting out the quiet time (at shutdown); returns how many records."""
        with self._cond:
            due = self._debounce.take_due(everything=True)
            self._dispatching = bool(due)
        try:
            self.dispatch(due)
        finally:
            with self._cond:
                self._dispatching = False
                self._cond.notify_all()
        return len(due)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing waits and nothing is being synced (True), or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._debounce) or self._dispatching:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    wait = self._debounce.next_due_in()
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait if wait is not None else 1.0)
                if self._stop:
                    return
                due = self._debounce.take_due()
                self._dispatching = True
            try:
                self.dispatch(due)
            except Exception:  # the dispatcher must outlive a bug; the events say failed
                log.exception("dispatching webhook events failed")
            finally:
                with self._cond:
                    self._dispatching = False
                    self._cond.notify_all()

    def dispatch(self, due: Sequence[tuple[Any, list[int]]]) -> None:
        """Sync the due records, one run per entity, and log what became of their events."""
        by_entity: dict[str, list[tuple[str, list[int]]]] = {}
        for (entity, record_id), ids in due:
            by_entity.setdefault(entity, []).append((record_id, ids))
        for entity, records in by_entity.items():
            ids = [i for _record, event_ids in records for i in event_ids]
            record_ids = [record for record, _ids in records]
            try:
                outcome = self._sync(entity, record_ids)
            except ERPSyncError as exc:
                self.events.mark(ids, "failed", f"not synced: {exc}")
                log.warning("webhook sync of %s %s failed: %s", entity, ", ".join(record_ids), exc)
                continue
            if outcome.busy:
                self._requeue(entity, records, outcome.message)
                continue
            for record in record_ids:
                self._busy_tries.pop((entity, record), None)
            # one event per record, one run for all: a run whose every record failed failed them all; of some,
            # the run's errors name which
            failed = outcome.failed or 0
            status = "failed" if outcome.status == "failed" or failed >= len(record_ids) else "synced"
            detail = f"run {outcome.run_id}: {outcome.status}" + (f" ({outcome.message})" if outcome.message else "")
            if 0 < failed < len(record_ids):
                detail += f"; {failed} of {len(record_ids)} records failed (see Errors)"
            if outcome.read is not None and outcome.read < len(record_ids):
                missing = len(record_ids) - outcome.read
                detail += (f"; {missing} of {len(record_ids)} records not found in their system (deleted there?): "
                           "deletes are not synced")
            self.events.mark(ids, status, detail, outcome.run_id)

    def _requeue(self, entity: str, records: list[tuple[str, list[int]]], message: str | None) -> None:
        for record_id, ids in records:
            tries = self._busy_tries.get((entity, record_id), 0) + 1
            if tries > BUSY_RETRIES:
                self._busy_tries.pop((entity, record_id), None)
                self.events.mark(ids, "failed", f"not synced: {message or 'the entity stayed busy'}")
                continue
            self._busy_tries[(entity, record_id)] = tries
            with self._cond:
                for event_id in ids:
                    self._debounce.add((entity, record_id), event_id)
