"""What the Errors page lists, without Qt: runs that failed as a whole grouped by cause, the text of each
cell, and the CSV export (one row per record, like a data loader's error file)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from erpsync_gui.entities import label
from erpsync_gui.store.open_work import RunFailure
from erpsync_gui.store.queries import ErrorGroup, OutcomeEntry
from erpsync_gui.words import plural

RUN_KIND = "run failed"
#: the kind of a run that a used-up quota stopped (it resumes from its cursor after the quota's reset)
QUOTA_RUN_KIND = "quota reached"
CSV_COLUMNS = ("Entity", "CRM id", "ERP id", "Name", "Written to", "Kind", "Error", "Run", "When", "State")


def when_text(moment: datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M:%S}"


@dataclass(frozen=True)
class RunGroup:
    """Runs of one or more entities that stopped as a whole with the same cause (the ERP unreachable, the
    sign-in refused, a quota used up): one group of the Errors page, above the records' groups."""

    title: str
    failures: tuple[RunFailure, ...]

    @property
    def signature(self) -> str:
        return f"run:{self.title}"

    @property
    def count(self) -> int:
        return sum(f.count for f in self.failures)

    @property
    def quota(self) -> bool:
        """Every run of the group was stopped by a quota (a wait, not a fault to fix)."""
        return all(f.quota for f in self.failures)

    @property
    def kind(self) -> str:
        return QUOTA_RUN_KIND if self.quota else RUN_KIND

    def runs_text(self, count: int | None = None) -> str:
        """ "2 failed runs", "1 run stopped by a quota" (of the group's runs, or of `count`)."""
        count = self.count if count is None else count
        return f"{plural(count, 'run')} stopped by a quota" if self.quota else plural(count, "failed run")

    @property
    def entities(self) -> str:
        return ", ".join(label(f.entity) for f in self.failures)

    @property
    def first_seen(self) -> datetime:
        return min(f.first_seen for f in self.failures)

    @property
    def last_seen(self) -> datetime:
        return max(f.last_seen for f in self.failures)


def run_groups(failures: Iterable[RunFailure]) -> list[RunGroup]:
    """Failed runs grouped by their message's first line (the host and port stay: they say what to fix); runs
    stopped by a quota apart from failed ones."""
    by_cause: dict[tuple[str, bool], list[RunFailure]] = {}
    for failure in failures:
        by_cause.setdefault((failure.message.strip().split("\n", 1)[0], failure.quota), []).append(failure)
    groups = [RunGroup(title, tuple(found)) for (title, _quota), found in by_cause.items()]
    return sorted(groups, key=lambda g: g.last_seen, reverse=True)


def records_text(group: ErrorGroup) -> str:
    """The group's record ids, the newest few, and how many more."""
    ids = [f"CRM {i}" for i in group.crm_ids] + [f"ERP {i}" for i in group.erp_ids]
    more = group.count - len(set(group.crm_ids) | set(group.erp_ids))
    text = ", ".join(ids[:6])
    return text + (f" … (+{len(ids) - 6 + max(more, 0)})" if len(ids) > 6 or more > 0 else "")


def group_cells(group: ErrorGroup | RunGroup) -> list[tuple[str, str]]:
    """(text, tooltip) of each column: Entity, Kind, Error, Count, First seen, Last seen, Records."""
    if isinstance(group, RunGroup):
        runs = ", ".join(f"{label(f.entity)} run {f.run_id}" for f in group.failures)
        why = ("A quota of the endpoint is used up: the run stopped and the next one carries on from there"
               if group.quota else "The whole run stopped: nothing after this was read or written")
        return [(group.entities, group.entities), (group.kind, why),
                (group.title, group.title), (str(group.count), group.runs_text()),
                (when_text(group.first_seen), ""), (when_text(group.last_seen), ""), (f"whole run ({runs})", runs)]
    return [(label(group.entity), group.entity), (group.error_kind or "—", ""), (group.title, group.message or ""),
            (str(group.count), plural(group.count, "record")), (when_text(group.first_seen), ""),
            (when_text(group.last_seen), ""), (records_text(group), records_text(group))]


def run_detail(group: RunGroup) -> str:
    if group.quota:
        stopped = ("A quota of the endpoint is used up, so the run stopped cleanly; what it wrote is kept. The "
                   "next run after the time above carries on from where this one stopped, and closes this group.")
    else:
        stopped = ("The whole run stopped; records were not read or written after this. It closes when the next "
                   "run of the entity gets through.")
    lines = [f"{group.title}", "", stopped, ""]
    for f in group.failures:
        times = f"{f.count} runs in a row since {when_text(f.first_seen)}" if f.count > 1 else when_text(f.last_seen)
        lines.append(f"{label(f.entity)}: run {f.run_id} ({f.trigger}), {times}")
    lines += ["", "What to do: nothing, or raise the quota in the endpoint's rate limits on the Connections page."
              if group.quota else "What to do: fix the connection on the Connections page (Test connection says "
              "what is wrong), then press Run again."]
    return "\n".join(lines)


def detail_text(entry: OutcomeEntry, name: str | None = None) -> str:
    """The full error and the redacted payload of one failed record."""
    lines = [f"{label(entry.entity)} · run {entry.run_id} · {when_text(entry.created_at)}",
             f"CRM id: {entry.crm_id or '—'}    ERP id: {entry.erp_id or '—'}    "
             f"written to: {(entry.target_side or '—').upper()}",
             *( [f"Name: {name}"] if name else []),
             f"Kind: {entry.error_kind or '—'}", "", entry.message or "(no message)"]
    if entry.payload_excerpt:
        try:
            payload = json.dumps(json.loads(entry.payload_excerpt), indent=2, ensure_ascii=False)
        except ValueError:  # the excerpt is cut at a fixed length, so it may not parse
            payload = entry.payload_excerpt
        lines += ["", "Payload sent (secrets removed):", payload]
    return "\n".join(lines)


def write_csv(path: Path, entries: Sequence[OutcomeEntry], runs: Sequence[RunGroup],
              name_of: Callable[[OutcomeEntry], str | None]) -> int:
    """Write the failed runs and the failed records to `path` (UTF-8 with a byte-order mark, so Excel reads
    the names right); returns the rows written."""
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for group in runs:
            for f in group.failures:
                writer.writerow([f.entity, "", "", "", "", QUOTA_RUN_KIND if f.quota else RUN_KIND, f.message, f.run_id,
                                 when_text(f.last_seen), "open"])
                rows += 1
        for e in entries:
            writer.writerow([e.entity, e.crm_id or "", e.erp_id or "", name_of(e) or "", (e.target_side or "").upper(),
                             e.error_kind or "", e.message or "", e.run_id, when_text(e.created_at),
                             e.resolution or "open"])
            rows += 1
    return rows
