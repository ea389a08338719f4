"""What the Sync page says about a run, without Qt: progress ("1,200 of 4,418 · … · ETA 1 min 05 s", or only
the counts while a side has not said how many it has), results, a preview (never a result), and the work a
run leaves open."""

from __future__ import annotations

from datetime import datetime

from erpsync_gui.app.attention import plural
from erpsync_gui.engine.types import ProgressEvent, RunResult
from erpsync_gui.store.queries import RunSummary


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"ETA {seconds} s"
    if seconds < 3600:
        return f"ETA {seconds // 60} min {seconds % 60:02d} s"
    return f"ETA {seconds // 3600} h {seconds % 3600 // 60:02d} min"


def progress_text(event: ProgressEvent) -> str:
    read = f"{event.processed:,} of {event.total:,}" if event.total else f"{event.processed:,} read"
    parts = [read, f"{event.inserted:,} created", f"{event.updated:,} updated"]
    if event.failed:
        parts.append(f"{event.failed:,} failed")
    if event.conflicts:
        parts.append(plural(event.conflicts, "conflict"))
    eta = eta_text(event.eta_seconds)
    return " · ".join(parts + ([eta] if eta else []))


def _counts(counts, *, nonzero_only: bool) -> str:
    parts = []
    for key, word in (("inserted", "created"), ("updated", "updated"), ("failed", "failed")):
        value = counts.get(key, 0)
        if value or not nonzero_only:
            parts.append(f"{value:,} {word}")
    conflicts = counts.get("conflicts", 0)
    if conflicts:
        parts.append(plural(conflicts, "conflict"))
    return ", ".join(parts)


def result_text(result: RunResult) -> tuple[str, str]:
    """(text, state) of a finished run; the state picks the colour: success, partial, failed, cancelled or
    preview (a dry run wrote nothing and is never shown as a success)."""
    c = result.counts
    if result.held:  # nothing was written: the counts are the preview's
        return f"Held, nothing written — {result.message}", "preview"
    if result.dry_run:
        plan = [f"create {c.get('inserted', 0):,}", f"update {c.get('updated', 0):,}"]
        if c.get("linked"):
            plan.append(f"link {c['linked']:,}")
        extra = []
        if c.get("failed"):
            extra.append(f"{c['failed']:,} would fail")
        if c.get("conflicts"):
            extra.append(plural(c["conflicts"], "conflict"))
        text = f"Preview: would {', '.join(plan)}" + (f"; {', '.join(extra)}" if extra else "") + \
            " · nothing written"
        return (f"{text} — {result.message}" if result.message else text), "preview"
    if result.status == "failed":
        done = _counts(c, nonzero_only=True)
        text = f"Failed: {result.message or 'the run stopped'}"
        return (f"{text} (before that: {done})" if done else text), "failed"
    text = f"{result.status.capitalize()}: {_counts(c, nonzero_only=False)} in {result.duration_s:.1f} s"
    return (f"{text} — {result.message}" if result.message else text), result.status


def last_run_text(run: RunSummary, now: datetime | None = None) -> str:
    """A row's line after a restart: the entity's last real run, from the state database."""
    now = now or datetime.now().astimezone()
    local = run.started_at.astimezone()
    when = f"{local:%H:%M}" if local.date() == now.date() else f"{local:%Y-%m-%d %H:%M}"
    counts = {"inserted": run.inserted, "updated": run.updated, "failed": run.failed, "conflicts": run.conflicts}
    if run.status == "failed":
        return f"Last run {when} failed: {run.message or 'the run stopped'}"
    text = f"Last run {when}: {run.status}, {_counts(counts, nonzero_only=True) or 'nothing to change'}"
    return f"{text} — {run.message}" if run.message else text


def open_text(errors: int, conflicts: int) -> str:
    """What the store still holds open for the entity, whatever the last run said."""
    parts = []
    if conflicts:
        parts.append(f"{plural(conflicts, 'conflict')} {'waits' if conflicts == 1 else 'wait'}")
    if errors:
        parts.append(f"{plural(errors, 'error')} open")
    return ", ".join(parts)
