"""What a run says when it starts, ends or is stopped: the same words in the window, the CLI and the log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from erpsync_gui.errors import ConfigError, ERPSyncError, QuotaExhaustedError
from erpsync_gui.records import Direction
from erpsync_gui.words import plural

log = logging.getLogger("erpsync.engine")

KIND_WORDS = {"full": "full sync", "incremental": "incremental sync", "dry-run": "dry run"}
DIRECTION_WORDS = {Direction.IMPORT: "ERP to CRM", Direction.EXPORT: "CRM to ERP", Direction.BOTH: "both ways"}


def status_of(counts: Mapping[str, int], open_conflicts: int = 0) -> tuple[str, str | None]:
    """A finished run's status and message from its counts: success only when nothing waits, a record that
    failed or a conflict (this run's or earlier)."""
    c = counts
    done = c["inserted"] + c["updated"] + c["skipped"]
    if c["failed"] and not done:
        which = "the" if c["failed"] == 1 else "all"
        return "failed", f"{which} {plural(c['failed'], 'record')} failed; see the errors"
    notes = []
    if c["failed"]:
        notes.append(f"{plural(c['failed'], 'record')} failed and will be retried next run")
    waiting = max(c["conflicts"], open_conflicts)
    if waiting:
        notes.append(f"{plural(waiting, 'conflict')} {'waits' if waiting == 1 else 'wait'} for a decision")
    return ("partial", "; ".join(notes)) if notes else ("success", None)


def stopped_by(exc: Exception, what: str, entity: str, extra: Mapping[str, Any],
               redact: Callable[[str], str]) -> tuple[str, str, str | None]:
    """The status, message and error kind of a run ended by `exc`, logged as `what` (e.g. "%s sync") paused,
    stopped or crashed."""
    if isinstance(exc, QuotaExhaustedError):
        # not a failure of ours: stop cleanly; the cursor holds, so the next run carries on from here
        when = f"; resumes after {exc.resumes_at.astimezone():%H:%M}" if exc.resumes_at else ""
        message = redact(f"{exc}{when}")
        log.warning(what + " paused: %s", entity, message, extra=dict(extra))
        return "partial", message, exc.kind
    if isinstance(exc, ERPSyncError):
        message = redact(str(exc))
        log.error(what + " stopped: %s", entity, message, extra=dict(extra))
        return "failed", message, "config" if isinstance(exc, ConfigError) else exc.kind
    message = redact(f"internal error: {type(exc).__name__}: {exc}")
    log.exception(what + " crashed", entity, extra=dict(extra))
    return "failed", message, "internal"


def log_end(entity: str, status: str, duration: float, counts: Mapping[str, int], message: str | None, *,
            dry_run: bool, extra: Mapping[str, Any]) -> None:
    """The run's last log line: what it did, or for a dry run or a held run what it would do."""
    c = counts
    if dry_run or status == "held":  # nothing was written: say what would be
        log.info("%s: %s in %.1f s - %d read; would create %d, update %d, link %d; %d would fail, "
                 "%d conflicts", entity, "dry run" if dry_run else "held", duration, c["processed"],
                 c["inserted"], c["updated"], c["linked"], c["failed"], c["conflicts"], extra=dict(extra))
    else:
        log.info("%s: %s in %.1f s - %d read, %d created, %d updated, %d linked, %d failed, %d conflicts%s",
                 entity, status, duration, c["processed"], c["inserted"], c["updated"], c["linked"],
                 c["failed"], c["conflicts"], f" ({message})" if message else "", extra=dict(extra))
