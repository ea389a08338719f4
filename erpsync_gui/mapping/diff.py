"""Field-level differences between two canonical records, for plans, dry runs and the conflict view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldDiff:
    """One field a write would change; values are canonical (JSON-safe), `before` None for a new record."""

    field: str
    before: Any
    after: Any


def diff_canonical(after: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[FieldDiff]:
    """Fields of `after` whose canonical value differs from `before`; every field when `before` is None."""
    if before is None:
        return [FieldDiff(name, None, value) for name, value in after.items()]
    return [FieldDiff(name, before.get(name), value) for name, value in after.items()
            if before.get(name) != value]
