"""Sync all: every enabled entity of the profile, one after another in dependency order (clients before
contacts, products before invoices), through the run manager like any run. An entity whose run fails takes
the entities that depend on it out of the queue; Cancel empties the queue and stops the run going on."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from erpsync_gui.app.scheduled_run import dependency_order
from erpsync_gui.entities import ENTITIES, label
from erpsync_gui.errors import ERPSyncError


def _depends_on(entity: str, failed: set[str]) -> str | None:
    """The failed entity `entity` depends on (directly or through another), or None."""
    seen: set[str] = set()
    todo = [entity]
    while todo:
        spec = ENTITIES.get(todo.pop())
        for dependency in spec.depends_on if spec else ():
            if dependency in failed:
                return dependency
            if dependency not in seen:
                seen.add(dependency)
                todo.append(dependency)
    return None


class SyncAllQueue(QObject):
    #: the queue moved on: (entity now running or "" at the end, entities left)
    progressed = Signal(str, int)
    #: the queue is done: (profile, {entity: "success" | "partial" | "failed" | "cancelled" | "skipped: …"})
    finished = Signal(str, object)

    def __init__(self, ctx, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile: str | None = None
        self.queue: list[str] = []
        self.current: str | None = None
        self.outcomes: dict[str, str] = {}
        self.approved = False
        ctx.bridge.run_finished.connect(self._finished)
        ctx.bridge.run_failed.connect(self._failed)

    @property
    def running(self) -> bool:
        return self.profile is not None

    def start(self, profile: str | None = None, *, approved: bool = False) -> list[str]:
        """Queue every enabled entity of the profile in dependency order and start the first; the order, or []
        when a Sync all is going on already or the profile cannot be read. `approved`: the admin has reviewed
        what the runs do (the setup wizard's first look), so a first sync is not held for review again."""
        profile = profile or self.ctx.profile.name
        if profile is None or self.running:
            return []
        try:
            entities = [cfg.entity for cfg in self.ctx.service.profile(profile).entities if cfg.enabled]
        except ERPSyncError:
            return []
        order = dependency_order(entities)
        self.profile, self.queue, self.outcomes, self.current = profile, list(order), {}, None
        self.approved = approved
        self._next()
        return order

    def cancel(self) -> bool:
        """Empty the queue and cancel the run going on; False when nothing was queued."""
        if not self.running:
            return False
        for entity in self.queue:
            self.outcomes[entity] = "cancelled"
        self.queue = []
        if self.current is not None:
            self.ctx.runs.cancel(self.profile, self.current)
        else:
            self._end()
        return True

    def _next(self) -> None:
        while self.queue:
            entity = self.queue.pop(0)
            blocker = _depends_on(entity, {e for e, status in self.outcomes.items() if status == "failed"})
            if blocker is not None:
                self.outcomes[entity] = f"skipped: {label(blocker)} failed"
                continue
            if self.ctx.runs.start(self.profile, entity, trigger="manual", approved=self.approved):
                self.current = entity
                self.progressed.emit(entity, len(self.queue))
                return
            self.outcomes[entity] = "skipped: already running"
        self._end()

    def _end(self) -> None:
        profile, outcomes = self.profile, dict(self.outcomes)
        self.profile, self.current = None, None
        self.progressed.emit("", 0)
        self.finished.emit(profile or "", outcomes)

    def _finished(self, profile: str, entity: str, result) -> None:
        if profile == self.profile and entity == self.current:
            self.outcomes[entity] = result.status
            self.current = None
            self._next()

    def _failed(self, profile: str, entity: str, _message: str) -> None:
        if profile == self.profile and entity == self.current:
            self.outcomes[entity] = "failed"
            self.current = None
            self._next()
