"""The application service the CLI and the GUI share: profiles, connectors, runs, connection tests.

Owns the per-entity locks (one run per profile and entity at a time; different entities may run side by
side). Blocking calls: the GUI calls them from worker threads and adapts the callbacks to signals.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from erpsync_gui.app import startup_gc
from erpsync_gui.app.clock import NOISE_S, describe_offset, measured_offset
from erpsync_gui.app.connectors import build_connector, reads_over_network
from erpsync_gui.app.db_lock import EntityDbLock
from erpsync_gui.app.run_context import note_run_id, run_context
from erpsync_gui.app.run_health import WatchedConnector
from erpsync_gui.app.run_lock import EntityFileLock
from erpsync_gui.app.sandbox_host import SandboxHost
from erpsync_gui.app.stale_runs import StaleRunCloser
from erpsync_gui.connectors.base import CheckResult, Connector
from erpsync_gui.connectors.partitions import IdRange
from erpsync_gui.engine.apply_plan import apply_plan
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import CancelToken, ProgressEvent, RunResult
from erpsync_gui.errors import CredentialsExpiredError, ERPSyncError, StoreError
from erpsync_gui.http.redact import redact_text
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store import undo_store
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store
from erpsync_gui.store.safety_queries import never_synced
from erpsync_gui.store.sync_state import utcnow

log = logging.getLogger("erpsync.app")


class EntityBusyError(ERPSyncError):
    """A run of this entity is already going on."""

    kind = "busy"


class SyncService:
    #: one run of an entity at a time across PCs that share a PostgreSQL store, by a database lock (the
    #: headless service's workers rely on their task queue's lock instead, which lets a read in parts run its
    #: parts side by side)
    guards_runs_in_database = True

    def __init__(self, store: Store, secrets: SecretStore, data_dir: Path, *, time_gate_s: float = 10.0) -> None:
        self.store = store
        #: a record changing again this soon after our write waits for the next run (seed 002's third layer)
        self.time_gate_s = time_gate_s
        self.secrets = secrets
        self.data_dir = data_dir
        #: the time a connection test is stored with (a test puts in its own)
        self.clock: Callable[[], datetime] = utcnow
        self.config = ConfigRepo(store)
        self.sandbox = SandboxHost(data_dir)
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.stale_runs = StaleRunCloser(store, by_lock=self.guards_runs_in_database)
        # runs a killed or crashed process left "running" are closed before anything else looks at them
        try:
            self.stale_runs.close()
        except StoreError as exc:  # the app still starts; the next run of each entity tries again
            log.warning("Runs left behind by a stopped process could not be closed: %s", exc)

    # -- profiles and connectors ---------------------------------------------------------------
    def profile(self, name: str | None = None) -> ProfileConfig:
        return self.config.get_profile(name)

    def redact(self, text: str) -> str:
        return redact_text(text, self.secrets.known_secret_values())

    def connector(self, profile: ProfileConfig, side: Side) -> Connector:
        endpoint = self.sandbox.resolve(profile.endpoint(side))
        return build_connector(profile, endpoint, self.secrets)

    @contextmanager
    def connectors(self, profile: ProfileConfig) -> Iterator[dict[Side, Connector]]:
        opened: dict[Side, Connector] = {}
        try:
            for side in Side:
                opened[side] = self.connector(profile, side)
            yield opened
        finally:
            for connector in opened.values():
                connector.close()

    # -- runs ----------------------------------------------------------------------------------
    def is_running(self, profile_name: str, entity: str) -> bool:
        return self._lock(profile_name, entity).locked()

    def entity_locks(self, profile: ProfileConfig, entity: str, *, wait: bool = False):
        """The locks of one entity's runs, as a context manager (an undo takes them too)."""
        return self._entity_locks(profile, entity, wait=wait)

    def _lock(self, profile_name: str, entity: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault((profile_name, entity), threading.Lock())

    def sync(self, entity: str, *, profile_name: str | None = None, direction: Direction | None = None,
             dry_run: bool = False, trigger: str = "manual", full: bool = False, wait: bool = False,
             progress: Callable[[ProgressEvent], None] | None = None,
             cancel: CancelToken | None = None, only: Mapping[Side, Sequence[str]] | None = None,
             partition: tuple[Side, IdRange] | None = None, plan: RunResult | None = None,
             approved: bool = False) -> RunResult:
        """Run one entity (or one id range of it: `partition`). Raises EntityBusyError when it already runs
        (unless `wait`), ConfigError when the settings are wrong (checked before anything starts). With `plan`
        (a dry run's result) the run applies exactly that reviewed plan instead of syncing afresh. A first
        sync, or a run that would change more than the entity's brake allows, comes back held (nothing
        written) unless `approved`: a person's Apply anyway, or `--yes` (a reviewed plan is approved)."""
        profile = self.profile(profile_name)
        def report(event: ProgressEvent) -> None:
            note_run_id(event.run_id)
            if progress is not None:
                progress(event)

        with self._entity_locks(profile, entity, wait=wait):
            # holding the entity's database lock, a run of it still open on another PC is a dead one
            self.stale_runs.close(profile.id, entity, held=self.guards_runs_in_database)
            if direction is None and plan is None and only is None and partition is None:
                direction = self._first_direction(profile, entity)
            with self.connectors(profile) as opened, run_context(profile.id, entity):
                watched = {side: WatchedConnector(connector, read_ahead=reads_over_network(profile.endpoint(side)))
                           for side, connector in opened.items()}
                engine = SyncEngine(self.store, profile, watched, redact=self.redact, time_gate_s=self.time_gate_s)
                startup_gc.release()  # the records flow from here: a command that held the collector resumes it
                try:
                    if plan is not None:
                        result = apply_plan(engine, plan, trigger=trigger, progress=report, cancel=cancel)
                    else:
                        result = engine.run(entity, direction, dry_run=dry_run, trigger=trigger, full=full,
                                            progress=report, cancel=cancel, only=only, partition=partition,
                                            brake=True, approved=approved)
                finally:  # no page is still being read ahead when the connectors close
                    for connector in watched.values():
                        connector.stop_reading()
                self._note_health(profile, watched)
                # before-images are kept for the retention period only (a run older than that cannot be undone)
                undo_store.prune(self.store, utcnow())
                return result

    def _first_direction(self, profile: ProfileConfig, entity: str) -> Direction | None:
        """The entity's `first_direction` while it has never synced (its one-time initial import), else None."""
        first = next((e.first_direction for e in profile.entities if e.entity == entity), None)
        if first is None or profile.id is None or not never_synced(self.store, profile.id, entity):
            return None
        log.info("%s has never synced: this run is its initial %s", entity, Direction(first).value,
                 extra={"profile_id": profile.id})
        return Direction(first)

    @contextmanager
    def _entity_locks(self, profile: ProfileConfig, entity: str, *, wait: bool) -> Iterator[None]:
        """One run of the entity at a time: in this process (a thread lock), on this PC (a file lock in the
        data directory) and, on a PostgreSQL store that several PCs may share, in the database."""
        lock = self._lock(profile.name, entity)
        if not lock.acquire(blocking=wait):
            raise EntityBusyError(f"{entity} of profile {profile.name!r} is already being synced",
                                  hint="wait for that run to finish, or cancel it")
        try:
            other_process = self.process_lock(profile.name, entity)
            if not other_process.acquire():
                raise EntityBusyError(
                    f"{entity} of profile {profile.name!r} is being synced by another ERPSync process",
                    hint="the app in the tray or a scheduled `erpsync sync` is running it; try again when it is done")
            try:
                other_machine = EntityDbLock(self.store, profile.id, entity) if self.guards_runs_in_database \
                    else None
                if other_machine is not None and not other_machine.acquire():
                    raise EntityBusyError(
                        f"{entity} of profile {profile.name!r} is being synced by another PC that shares the "
                        "state database", hint="try again when that run is done")
                try:
                    yield
                finally:
                    if other_machine is not None:
                        other_machine.release()
            finally:
                other_process.release()
        finally:
            lock.release()

    def process_lock(self, profile_name: str, entity: str) -> EntityFileLock:
        """The lock that keeps other processes on this machine from running the entity at the same time (the
        headless service replaces it with its task queue's lock, which holds across machines)."""
        return EntityFileLock(self.data_dir, profile_name, entity)

    def _note_health(self, profile: ProfileConfig, connectors: Mapping[Side, WatchedConnector]) -> None:
        """Endpoint status after a run, so the status bar tells what the run found: expired when a refresh
        token was rejected, error when the side could not be used (unreachable, sign-in refused, quota),
        active when it answered."""
        current = self.config.endpoint_status(profile.id)
        for side, connector in connectors.items():
            problem = getattr(connector, "auth_problem", None)
            if problem is not None:
                status = "expired" if isinstance(problem, CredentialsExpiredError) else "error"
                self.config.set_endpoint_status(profile.id, side, status, self.redact(str(problem)))
            elif connector.problem is not None:
                self.config.set_endpoint_status(profile.id, side, "error",
                                                f"the last run: {self.redact(str(connector.problem))}")
            elif connector.reached and connector.reached_at is not None:
                message = f"the last run connected at {connector.reached_at:%H:%M}"
                if side not in current or (current[side].status, current[side].message) != ("active", message):
                    self.config.set_endpoint_status(profile.id, side, "active", message)

    # -- connection tests ----------------------------------------------------------------------
    def test_connections(self, profile_name: str | None = None) -> dict[Side, CheckResult]:
        """Each side: reachable, authenticated, latency; then, before any sync, what the CRM lacks for the
        profile's entities (tables, mapped columns, match keys, marker columns, required columns) and what is
        wrong with the currency mappings, as detail lines. The endpoint's status is stored."""
        profile = self.profile(profile_name)
        results: dict[Side, CheckResult] = {}
        problems: dict[Side, BaseException | None] = {}
        opened: dict[Side, Connector] = {}
        try:
            for side in Side:
                try:
                    opened[side] = self.connector(profile, side)
                except ERPSyncError as exc:
                    results[side] = CheckResult(False, False, False, None, self.redact(str(exc)))
                else:
                    results[side] = opened[side].check()
                    problems[side] = getattr(opened[side], "auth_problem", None)
            results = self._with_findings(profile, opened, results)
        finally:
            for connector in opened.values():
                connector.close()
        for side in Side:
            results[side], profile = self._note_clock(profile, side, results[side])
            result = results[side]
            status = "active" if result.ok else "error"
            if not result.ok and isinstance(problems.get(side), CredentialsExpiredError):
                status = "expired"  # the refresh token was rejected: an admin must log in again
            self.config.set_endpoint_status(profile.id, side, status, result.message, tested_at=self.clock())
            latency = f", {result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
            verdict = "connected" if result.ok else "reachable, not signed in" if result.reachable else "unreachable"
            log.log(logging.INFO if result.ok else logging.WARNING,
                    "Connection test of the %s endpoint of %s: %s%s - %s", side.value.upper(), profile.name, verdict,
                    latency, self.redact(result.message), extra={"profile_id": profile.id})
        return results

    def _with_findings(self, profile: ProfileConfig, opened: Mapping[Side, Connector],
                       results: dict[Side, CheckResult]) -> dict[Side, CheckResult]:
        """The CRM's result with the findings of the profile's entities; an error among them makes it fail."""
        from erpsync_gui.app.crm_findings import ERROR, crm_findings
        from erpsync_gui.app.currency_proposal import currency_findings

        crm = results.get(Side.CRM)
        # a database describes every column it has: other CRMs describe fields from samples, too loosely to hold
        # a mapping against (and a test should not read their records)
        if crm is None or not crm.ok or Side.CRM not in opened or opened[Side.CRM].kind != "sql":
            return results
        findings = crm_findings(opened[Side.CRM], profile.entities)
        lines = [self.redact(f.line()) for f in findings]
        currency = currency_findings(opened, profile.entities) if results.get(Side.ERP) is not None and \
            results[Side.ERP].ok and Side.ERP in opened else []
        lines += [self.redact(line) for line in currency]
        errors = sum(1 for f in findings if f.severity == ERROR) + len(currency)
        if not lines:
            return results
        message = crm.message
        if errors:
            message = f"{message}; {errors} problem{'s' if errors != 1 else ''} to fix before syncing"
        results[Side.CRM] = dataclasses.replace(crm, ok=crm.ok and not errors, message=message,
                                                details=(*crm.details, *lines))
        return results

    def _note_clock(self, profile: ProfileConfig, side: Side,
                    result: CheckResult) -> tuple[CheckResult, ProfileConfig]:
        """Store the endpoint's clock offset when the test measured one that differs from the stored one."""
        offset = measured_offset(result, datetime.now(UTC))
        if offset is None:
            return result, profile
        endpoint = profile.endpoint(side)
        if abs(offset - (endpoint.clock_offset_s or 0.0)) >= NOISE_S:
            changed = dataclasses.replace(endpoint, clock_offset_s=offset)
            profile = self.config.save_profile(dataclasses.replace(profile, **{side.value: changed}))
            log.info("%s endpoint of %s: clock offset now %+.1f s (measured)", side.value.upper(), profile.name,
                     offset)
        note = describe_offset(side.value.upper(), offset)
        return dataclasses.replace(result, message=f"{result.message}; {note}" if offset else result.message,
                                   details=(*result.details, note)), profile

    def close(self) -> None:
        self.sandbox.stop()
