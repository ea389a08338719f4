"""One scheduled run of a profile: its entities one after another in dependency order, through the run
manager (so the window sees them like any run), waiting for or skipping an entity that is already running."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from erpsync_gui.app.run_manager import RunKey, RunManager
from erpsync_gui.app.service import EntityBusyError
from erpsync_gui.engine.types import RunResult
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import ProfileConfig

log = logging.getLogger("erpsync.scheduler")

TRIGGER = "scheduled"
#: how often a scheduled run that met a busy entity looks again whether it is free
BUSY_POLL_S = 0.5


def dependency_order(names: Sequence[str]) -> list[str]:
    """`names` reordered so that an entity comes after the chosen entities it depends on; otherwise in the
    given order. Entities outside the catalogue keep their place."""
    chosen = list(dict.fromkeys(names))
    ordered: list[str] = []

    def visit(name: str, trail: frozenset[str]) -> None:
        if name in ordered or name in trail:
            return
        spec = ENTITIES.get(name)
        for dependency in spec.depends_on if spec else ():
            if dependency in chosen:
                visit(dependency, trail | {name})
        ordered.append(name)

    for name in chosen:
        visit(name, frozenset())
    return ordered


def scheduled_entities(profile: ProfileConfig) -> list[str]:
    """The schedule's entities (those configured and enabled), or every enabled entity, in dependency order."""
    enabled = [cfg.entity for cfg in profile.entities if cfg.enabled]
    wanted = list(profile.schedule.entities) or enabled
    left_out = [name for name in wanted if name not in enabled]
    if left_out:
        log.warning("Scheduled run of profile %r leaves out %s: not configured or disabled", profile.name,
                    ", ".join(left_out), extra={"profile_id": profile.id})
    return dependency_order([name for name in wanted if name in enabled])


@dataclass
class ProfileOutcome:
    """What a scheduled run of a profile did, entity by entity."""

    results: dict[str, RunResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [e for e, r in self.results.items() if r.status == "failed"] + list(self.errors)

    @property
    def held(self) -> list[str]:
        """Entities the mass-change brake (or a first sync's preview) held: they wait for a person, since a
        scheduled run never applies a held run by itself."""
        return [e for e, r in self.results.items() if r.status == "held"]

    @property
    def conflicts(self) -> int:
        return sum(r.counts.get("conflicts", 0) for r in self.results.values())


class _Waiter:
    """Collects the result of the one scheduled run of a key (armed by its own `started` event, so that the
    end of a manual run of the same entity is never taken for ours)."""

    def __init__(self) -> None:
        self.armed = False
        self.done = threading.Event()
        self.result: RunResult | None = None
        self.error: ERPSyncError | None = None


class ScheduledRunner:
    """Runs a profile's scheduled entities through the run manager and waits for each to end."""

    def __init__(self, runs: RunManager, stopping: threading.Event, busy_wait_s: float) -> None:
        self.runs = runs
        self.stopping = stopping
        self.busy_wait_s = busy_wait_s
        self._waiters: dict[RunKey, _Waiter] = {}
        self._guard = threading.Lock()
        self._hooks = ((runs.listeners.started, self._started), (runs.listeners.finished, self._finished),
                       (runs.listeners.failed, self._failed))
        for listeners, hook in self._hooks:
            listeners.append(hook)

    def close(self) -> None:
        for listeners, hook in self._hooks:
            if hook in listeners:
                listeners.remove(hook)

    def run_profile(self, profile: ProfileConfig) -> ProfileOutcome:
        outcome = ProfileOutcome()
        for entity in scheduled_entities(profile):
            if self.stopping.is_set():
                outcome.skipped[entity] = "the app is closing"
                continue
            self._run_entity(profile, entity, outcome)
        return outcome

    # -- one entity ------------------------------------------------------------------------------
    def _run_entity(self, profile: ProfileConfig, entity: str, outcome: ProfileOutcome) -> None:
        extra = {"profile_id": profile.id, "entity": entity}
        waiter = self._start(profile, entity, extra)
        if waiter is None:
            outcome.skipped[entity] = "busy"
            return
        key = RunKey(profile.name, entity)
        try:
            while not waiter.done.wait(BUSY_POLL_S):
                if self.stopping.is_set():
                    outcome.skipped[entity] = "the app is closing"
                    return
        finally:
            with self._guard:
                self._waiters.pop(key, None)
        if isinstance(waiter.error, EntityBusyError):
            log.info("Scheduled run of %s skipped: %s", entity, waiter.error, extra=extra)
            outcome.skipped[entity] = str(waiter.error)
        elif waiter.error is not None:
            outcome.errors[entity] = str(waiter.error)
        elif waiter.result is not None:
            outcome.results[entity] = waiter.result

    def _start(self, profile: ProfileConfig, entity: str, extra: dict) -> _Waiter | None:
        """Start the run; when a run of this entity is going on, wait for it up to `busy_wait_s`, then skip."""
        key = RunKey(profile.name, entity)
        waited_since: float | None = None
        while True:
            waiter = _Waiter()
            with self._guard:
                self._waiters[key] = waiter
            if self.runs.start(profile.name, entity, trigger=TRIGGER):
                if waited_since is not None:
                    log.info("Scheduled run of %s starts after waiting %.0f s for the other run", entity,
                             time.monotonic() - waited_since, extra=extra)
                return waiter
            with self._guard:
                self._waiters.pop(key, None)
            if waited_since is None:
                waited_since = time.monotonic()
                log.info("Scheduled run of %s waits: a run of it is already going on (up to %.0f s)", entity,
                         self.busy_wait_s, extra=extra)
            if time.monotonic() - waited_since >= self.busy_wait_s:
                log.warning("Scheduled run of %s skipped: the run already going on did not end within %.0f s",
                            entity, self.busy_wait_s, extra=extra)
                return None
            if self.stopping.wait(BUSY_POLL_S):
                return None

    # -- run manager listeners (worker threads) ----------------------------------------------------
    def _started(self, key: RunKey, trigger: str) -> None:
        with self._guard:
            waiter = self._waiters.get(key)
            if waiter is not None and trigger == TRIGGER:
                waiter.armed = True

    def _finished(self, key: RunKey, result: RunResult) -> None:
        with self._guard:
            waiter = self._waiters.get(key)
        if waiter is not None and waiter.armed:
            waiter.result = result
            waiter.done.set()

    def _failed(self, key: RunKey, exc: ERPSyncError) -> None:
        with self._guard:
            waiter = self._waiters.get(key)
        if waiter is not None and waiter.armed:
            waiter.error = exc
            waiter.done.set()
