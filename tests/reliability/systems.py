"""The sandbox ERP and the Perfex-style SQL CRM with the fault proxy between the engine and the ERP, and the
checks every proof suite makes of the two systems afterwards: duplicates, lost records, what each side holds."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erpsync_gui.engine.types import RunResult
from erpsync_gui.records import Direction
from tests.reliability.fault_proxy import FaultPlan, FaultProxy
from tests.sync_harness import EDITABLE, Harness

#: the connector's read timeout in the suites: a stalled reply costs this long
TIMEOUT_S = 1.0  # the shortest read timeout a profile accepts


class FaultedHarness(Harness):
    """The history harness with the engine's ERP traffic sent through a fault proxy."""

    def __init__(self, root: Path, plan: FaultPlan | None = None) -> None:
        super().__init__(root, erp_options={"circuit_breaker": {"failures": 8, "cooldown_s": 0}})
        self.plan = plan or FaultPlan()
        self.proxy = FaultProxy(self.sandbox.url, self.plan, stall_s=TIMEOUT_S * 6)
        self.profile = dataclasses.replace(self.profile, erp=dataclasses.replace(
            self.profile.erp, url=self.proxy.url, timeout=TIMEOUT_S))

    def close(self) -> None:
        super().close()
        self.proxy.close()


def number(n: int) -> str:
    return f"R{n:06d}"


def seed_both(h: Harness, count: int) -> None:
    """`count` clients, every other one created in the CRM, the rest in the ERP, as people would."""
    for n in range(count):
        values = {"customer_number": number(n), "company": f"Company {n}", "city": ("Cluj", "Köln", "تهران")[n % 3]}
        if n % 2:
            h.erp_create(**{EDITABLE.get(k, k): v for k, v in values.items()})
        else:
            h.crm_create(**values)


def edit_some(h: Harness, count: int, seed: int) -> None:
    """People edit a tenth of the records on each side (different records), between two syncs."""
    rng = random.Random(seed)
    crm = {r["customer_number"]: rid for rid, r in h.crm_rows().items()}
    erp = {r["customer_number"]: rid for rid, r in h.erp_rows().items()}
    chosen = rng.sample(range(count), max(2, count // 5))
    for i, n in enumerate(chosen):
        key = number(n)
        if i % 2 and key in erp:
            h.erp_edit(erp[key], phone=f"+40 {n:07d}", city="Brașov")
        elif key in crm:
            h.crm_edit(crm[key], phonenumber=f"021-{n:06d}", company=f"Company {n} SRL")


def sync_until_settled(h: Harness, *, max_runs: int, batch: int = 100) -> list[RunResult]:
    """Two-way runs until one succeeds with nothing failed or waiting (or `max_runs` were made)."""
    results = []
    for _ in range(max_runs):
        h.advance(60)
        result = h.sync(direction=Direction.BOTH, batch=batch)
        results.append(result)
        assert "internal error" not in (result.message or ""), result.message
        if result.status == "success" and not result.counts["failed"] and \
                not any(link.state in ("pending", "failed") for link in h.links()):
            break
    return results


@dataclass(frozen=True)
class Census:
    """What the two systems hold afterwards, by customer number."""

    duplicates: int
    lost: int
    crm: dict[str, dict[str, Any]]
    erp: dict[str, dict[str, Any]]


def census(h: Harness, expected: Iterable[str]) -> Census:
    wanted = set(expected)
    sides = []
    duplicates = 0
    for rows, side in ((h.crm_rows(), "crm"), (h.erp_rows(), "erp")):
        numbers = Counter(r.get("customer_number") for r in rows.values())
        duplicates += sum(n - 1 for n in numbers.values() if n > 1)
        marks = Counter(r.get("external_id") for r in rows.values()
                        if r.get("external_channel") == "erpsync" and r.get("external_id"))
        duplicates += sum(n - 1 for n in marks.values() if n > 1)
        sides.append({r["customer_number"]: _values(r, side) for r in rows.values()})
    lost = sum(1 for key in wanted for side in sides if key not in side)
    return Census(duplicates, lost, sides[0], sides[1])


def _values(row: Mapping[str, Any], side: str) -> dict[str, Any]:
    """The mapped fields under their CRM names, empty as None."""
    return {crm: row.get(crm if side == "crm" else erp) or None for crm, erp in EDITABLE.items()}


def links_consistent(h: Harness) -> int:
    """Links that name a record that does not exist, or two links for one record: 0 when all is well."""
    crm, erp = h.crm_rows(), h.erp_rows()
    bad = 0
    for link in h.links():
        if link.state == "deleted":
            continue
        if link.crm_id is not None and link.crm_id not in crm:
            bad += 1
        if link.erp_id is not None and link.erp_id not in erp:
            bad += 1
        if link.state == "synced" and (link.crm_id is None or link.erp_id is None):
            bad += 1
    return bad
