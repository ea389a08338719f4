"""The mass-change brake: a run that would update (or delete) more records than an entity's threshold is
held before its first write, and so is the first sync of an entity, so that a person sees the preview first.

The threshold is the smaller of a share of the linked records (20% by default) and a number (500), but never below
`brake_min` (10), so that a small entity can still sync an edit unattended: a run that changes more than that
stops as `held`. Creates do not count (they overwrite nothing). An entity with no
links yet is a first sync: it is always held for review, unless the person starting it approved it, since
there the brake's share has nothing to be a share of (the demo profile's throwaway sandbox data is not
held for that review). A held run is only ever applied by a person: the
scheduler has no way to approve it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from erpsync_gui.engine.types import Action, PlanItem

#: actions that change or remove a record that already exists
CHANGES = frozenset({Action.UPDATE, Action.UPDATE_SOURCE})


@dataclass(frozen=True)
class BrakeCheck:
    """What the preview found: how many existing records the run would change, of how many linked ones, the
    limit that applies, and whether the run is held (with the words for a person)."""

    changes: int
    linked: int
    limit: int
    first_sync: bool
    held: bool
    message: str | None = None


def limit_of(linked: int, percent: float, records: int, floor: int = 0) -> int:
    """The most records a run may change without being held."""
    return max(min(math.floor(linked * percent / 100), records), floor)


def count_changes(items: Iterable[PlanItem]) -> int:
    return sum(1 for item in items if item.action in CHANGES)


def check(entity: str, *, changes: int, creates: int, linked: int, percent: float, records: int,
          first_sync: bool, approved: bool, floor: int = 0) -> BrakeCheck:
    limit = limit_of(linked, percent, records, floor)
    if approved:
        return BrakeCheck(changes, linked, limit, first_sync, False)
    if first_sync and creates + changes:  # a first sync that only links writes nothing to review
        return BrakeCheck(changes, linked, limit, True, True, (
            f"first sync of {entity}: it would create {creates:,} and change {changes:,} existing records; "
            "review the preview, then apply it (or run again with --yes)"))
    # with nothing linked yet there is no share to hold a run to: the first sync's review is the stop there
    if linked and changes > limit:
        return BrakeCheck(changes, linked, limit, False, True, (
            f"This run would change {changes:,} of {linked:,} {entity} (more than the brake's {limit:,}): "
            "review the preview, then apply it anyway or cancel"))
    return BrakeCheck(changes, linked, limit, False, False)
