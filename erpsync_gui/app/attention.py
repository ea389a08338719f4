"""What waits for a person, in words: the tray's status line ("3 conflicts wait · last run 08:00 partial")
and the dashboard's Needs attention lines, each with the page that deals with it. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from erpsync_gui.app.service import SyncService
from erpsync_gui.entities import label
from erpsync_gui.store.open_work import OpenWork, RunFailure, open_work
from erpsync_gui.words import plural

ERRORS, CONFLICTS = "errors", "conflicts"


@dataclass(frozen=True)
class AttentionItem:
    """One line of the Needs attention panel: what waits, and the page (errors or conflicts) to open."""

    text: str
    page: str
    #: error (a run failed, records failed) or warn (a decision waits)
    level: str


def read_open_work(service: SyncService, profile_name: str) -> OpenWork:
    """The profile's open work from the store (blocking: call it off the GUI thread)."""
    return open_work(service.store, service.profile(profile_name).id)


def _moment(when: datetime, now: datetime) -> str:
    local, today = when.astimezone(), now.astimezone()
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if (today.date() - local.date()).days < 7:
        return f"{local:%a %H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def status_line(work: OpenWork | None, now: datetime | None = None) -> str:
    """One line for the tray's tooltip and menu: what waits first, then the last run and how it ended."""
    if work is None:
        return "Status not known yet"
    now = now or datetime.now().astimezone()
    parts = []
    failed = [f for f in work.run_failures if not f.quota]
    if failed:
        parts.append(f"{label(failed[0].entity)} failed" if len(failed) == 1
                     else f"{plural(len(failed), 'entity', 'entities')} failed")
    paused = [f for f in work.run_failures if f.quota]
    if paused:
        parts.append(f"{label(paused[0].entity)} paused by a quota" if len(paused) == 1
                     else f"{plural(len(paused), 'entity', 'entities')} paused by a quota")
    if work.open_conflicts:
        parts.append(f"{plural(work.open_conflicts, 'conflict')} {'waits' if work.open_conflicts == 1 else 'wait'}")
    if work.open_errors:
        parts.append(f"{plural(work.open_errors, 'error')} open")
    if not parts:
        parts.append("nothing waits")
    last = work.last_run
    parts.append(f"last run {_moment(last.started_at, now)} {last.status}" if last else "no run yet")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def _stopped_run(f: RunFailure) -> AttentionItem:
    """A run that failed as a whole (an error), or that a quota stopped (a wait: its message says when the next
    run can carry on)."""
    runs = "run" if f.count == 1 else f"{f.count} runs"
    if f.quota:
        return AttentionItem(f"{label(f.entity)}: the last {runs} stopped at the quota - {f.message}", ERRORS, "warn")
    return AttentionItem(f"{label(f.entity)}: the last {runs} failed - {f.message}", ERRORS, "error")


def attention_items(work: OpenWork) -> list[AttentionItem]:
    """The Needs attention lines, most urgent first; empty when nothing waits."""
    items = [_stopped_run(f) for f in work.run_failures]
    if work.open_errors:
        which = ", ".join(f"{label(e)} {n}" for e, n in sorted(work.errors_by_entity.items(), key=lambda kv: -kv[1]))
        items.append(AttentionItem(f"{plural(work.open_errors, 'record')} could not sync ({which})", ERRORS, "error"))
    if work.open_conflicts:
        which = ", ".join(f"{label(e)} {n}" for e, n in sorted(work.conflicts_by_entity.items(),
                                                                key=lambda kv: -kv[1]))
        verb = "waits" if work.open_conflicts == 1 else "wait"
        items.append(AttentionItem(f"{plural(work.open_conflicts, 'conflict')} {verb} for a decision ({which})",
                                   CONFLICTS, "warn"))
    return items
