"""The rows of a preview, without Qt: each planned record named for people ("Carpați PFA · CRM 10 → ERP
new"), the plan's summary, the filter by action and text, and the CSV export (one row per changed field)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from erpsync_gui.engine.types import Action, PlanItem, RunResult

ACTION_LABELS = {
    Action.CREATE: "Create", Action.UPDATE: "Update", Action.UPDATE_SOURCE: "Update (source)",
    Action.LINK: "Link", Action.REBASELINE: "Refresh link", Action.CONFLICT: "Conflict",
    Action.DEFER: "Later", Action.FAILED: "Fails", Action.SKIP: "Skip", Action.RETIRE: "Retire link",
}
CSV_COLUMNS = ("Action", "Name", "From", "From id", "To", "To id", "Field", "Before", "After", "Why")
#: how the summary counts each action: one, many
_NOUNS = {
    Action.CREATE: ("new record", "new records"), Action.UPDATE: ("update", "updates"),
    Action.UPDATE_SOURCE: ("update of the source", "updates of the source"), Action.LINK: ("link", "links"),
    Action.REBASELINE: ("link refresh", "link refreshes"), Action.CONFLICT: ("conflict", "conflicts"),
    Action.DEFER: ("left for later", "left for later"), Action.FAILED: ("failure", "failures"),
    Action.SKIP: ("skip", "skips"), Action.RETIRE: ("retired link", "retired links"),
}


def value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def route(item: PlanItem) -> tuple[str, str, str, str]:
    """(from side, from id, to side, to id) of the write; "new" for a record a create makes."""
    source = (item.source_side.value.upper(), item.source.id)
    if item.action is Action.UPDATE_SOURCE:
        return (item.source_side.other.value.upper(), item.target.id if item.target else "?", *source)
    write = item.write_side or item.source_side.other
    return (*source, write.value.upper(), item.target.id if item.target is not None else "new")


def describe_record(item: PlanItem, name: str | None = None) -> str:
    """"Carpați PFA · CRM 12 → ERP 40": the record's name, where the change comes from and where it goes."""
    from_side, from_id, to_side, to_id = route(item)
    text = f"{from_side} {from_id} → {to_side} {to_id}"
    return f"{name} · {text}" if name else text


def summary(result: RunResult) -> str:
    counts = Counter(item.action for item in result.plan)
    parts = [f"{n:,} {_NOUNS[a][n != 1]}" for a, n in sorted(counts.items(), key=lambda kv: kv[0].value)]
    text = ", ".join(parts) if parts else "Nothing to change: both systems are in step."
    if result.plan_truncated:
        text += (f" - and {result.plan_truncated:,} more not listed: Apply writes the {len(result.plan):,} listed, "
                 "the next sync the rest")
    return text


def matches(item: PlanItem, name: str | None, action: Action | None, text: str) -> bool:
    """Whether a row shows under the filter: its action (None: any) and a text in its name, ids or reason."""
    if action is not None and item.action != action:  # a combo box hands the action back as its text
        return False
    if not text:
        return True
    needle = text.casefold()
    hay = [name or "", item.source.id, item.target.id if item.target else "", item.reason,
           str(item.error or ""), *(c.field for c in item.changes)]
    return any(needle in part.casefold() for part in hay)


def write_csv(path: Path, rows: Iterable[tuple[PlanItem, str | None]]) -> int:
    """One line per changed field (one for a record without field changes); returns lines written. UTF-8
    with a byte-order mark, so Excel reads the names right."""
    lines = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for item, name in rows:
            base = [ACTION_LABELS.get(item.action, item.action.value), name or "", *route(item)]
            why = item.reason if item.error is None else f"{item.reason}: {item.error}"
            for change in item.changes or [None]:
                if change is None:
                    writer.writerow([*base, "", "", "", why])
                else:
                    writer.writerow([*base, change.field, value_text(change.before), value_text(change.after), why])
                lines += 1
    return lines
