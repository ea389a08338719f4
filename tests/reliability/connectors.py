"""The fault suite for one named connector: the real engine between the connector (its fake, or the live
Tryton server, behind the fault proxy) and the Perfex-style SQL CRM, with hand-written field rows.

Half the records are created by a person in the named system, half in the SQL database; two-way runs repeat
under faults until one settles, then without faults. Afterwards every customer number exists once on each
side: duplicates and lost records are counted, not assumed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select
from sqlalchemy.pool import NullPool

from erpsync_gui.config.kinds import connector_kind
from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import LinkRow
from tests.reliability.fault_proxy import FaultPlan, FaultProxy
from tests.reliability.figures import report

TIMEOUT_S = 1.0
PROFILE = "proof"


@dataclass
class Live:
    """A started system: the URL the connector would use, how to reach the rest, and a person's helpers."""

    url: str
    options: dict[str, Any]
    secrets: dict[str, str]
    #: a person creates one record: (customer number, company)
    add: Callable[[str, str], None]
    #: every record's customer number as the system holds it now
    numbers: Callable[[], list[str]]
    #: options that name the proxy's URL instead of the endpoint URL (a learnt API server)
    url_option: str | None = None
    #: a secret store entry the connector reads through the keyring (OAuth tokens)
    keyring: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One named connector: its kind, the side it sits on, the field rows and the system's start."""

    name: str
    kind: str
    side: Side
    #: field rows with the named system's names under its side's key, the SQL column under the other
    number: str
    company: str
    city: str | None
    start: Callable[[], contextlib.AbstractContextManager[Live]]
    auth: str = "none"
    #: requests the proxy never faults (a sign-in), by path
    spared: tuple[str, ...] = ()
    #: records read and written per request
    batch: int = 5
    #: the entity's name in the named system, where it is not `clients`
    entity_name: str | None = None
    #: a system whose own fields need more time than the others (the live Tryton server)
    timeout_s: float = TIMEOUT_S

    def fields(self) -> tuple[dict[str, Any], ...]:
        ours, sql = self.side.value, self.side.other.value
        rows = [{ours: self.number, sql: "customer_number", "type": "text", "transform": ["strip"]},
                {ours: self.company, sql: "company", "type": "text", "required": True}]
        if self.city:
            rows.append({ours: self.city, sql: "city", "type": "text"})
        return tuple(rows)

    @property
    def match_key(self) -> str:
        return self.number if self.side is Side.CRM else "customer_number"


def run_case(case: Case, root: Path, *, records: int, rate: float, seed: int) -> dict[str, Any]:
    """The suite for one connector; returns its figures (and prints them)."""
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    crm_db = create_engine(f"sqlite:///{root / 'sql.sqlite'}", poolclass=NullPool)
    schema.create_schema(crm_db)
    store = open_store(f"sqlite:///{root / 'state.db'}")
    with case.start() as live:
        plan = FaultPlan(seed=seed, faulty=lambda method, path: not any(p in path for p in case.spared))
        proxy = FaultProxy(live.url, plan, stall_s=case.timeout_s * 6)
        connectors: dict[Side, Connector] = {}
        try:
            profile = _profile(case, live, proxy, root, store)
            connectors = _connectors(case, live, profile)
            expected = _seed(case, live, crm_db, records)
            clock = [datetime.now(UTC)]

            def sync() -> Any:
                clock[0] += timedelta(seconds=60)
                engine = SyncEngine(store, profile, connectors, clock=lambda: clock[0], time_gate_s=0)
                return engine.run("clients", Direction.BOTH)

            plan.configure(rate, seed=seed)
            runs = _settle(sync, store, max_runs=30)
            plan.configure(0.0)
            runs += _settle(sync, store, max_runs=4)
            sql_numbers = _sql_numbers(crm_db)
            system_numbers = live.numbers()
        finally:
            for connector in connectors.values():
                connector.close()
            proxy.close()
            store.close()
            crm_db.dispose()
    duplicates = _duplicates(sql_numbers) + _duplicates(system_numbers)
    lost = sum(1 for n in expected if n not in set(sql_numbers)) + sum(
        1 for n in expected if n not in set(system_numbers))
    figures = {"records": records, "fault_rate": rate, "requests": plan.requests,
               "faults": dict(sorted(plan.injected.items())), "runs": len(runs), "last_status": runs[-1].status,
               "last_message": runs[-1].message, "duplicates": duplicates, "lost": lost,
               "seconds": round(time.monotonic() - started, 1)}
    report(f"connector {case.name}", **figures)
    return figures


def _profile(case: Case, live: Live, proxy: FaultProxy, root: Path, store) -> ProfileConfig:
    options = dict(live.options)
    if live.url_option:
        options[live.url_option] = proxy.url.rstrip("/")
    named = EndpointConfig(case.side, case.kind, proxy.url if not live.url_option else live.url, auth=case.auth,
                           timeout=case.timeout_s, retries=3, batch_size=case.batch, options=options)
    sql = EndpointConfig(case.side.other, "sql", f"sqlite:///{root / 'sql.sqlite'}", batch_size=case.batch,
                         options={"preset": "perfex"})
    sides = {case.side.value: named, case.side.other.value: sql}
    return ConfigRepo(store).save_profile(ProfileConfig(
        name=PROFILE, crm=sides["crm"], erp=sides["erp"],
        entities=(EntityConfig("clients", direction=Direction.BOTH, policy="crm_wins", match_keys=(case.match_key,),
                               fields=case.fields(), batch_size=case.batch,
                               **{f"{case.side.value}_name": case.entity_name}),)))


def _connectors(case: Case, live: Live, profile: ProfileConfig) -> dict[Side, Connector]:
    secrets = SecretStore()
    for name, value in live.keyring.items():
        secrets.set(PROFILE, case.side, name, value)
    named = connector_kind(case.kind).build(profile.endpoint(case.side),
                                            secrets.endpoint(PROFILE, case.side, dict(live.secrets)) if live.keyring
                                            else dict(live.secrets))
    sql = connector_kind("sql").build(profile.endpoint(case.side.other), {})
    return {case.side: named, case.side.other: sql}


def _seed(case: Case, live: Live, crm_db, records: int) -> list[str]:
    numbers = [f"P{n:05d}" for n in range(records)]
    rows = []
    for n, number in enumerate(numbers):
        company = f"Company {n}"
        if n % 2:
            live.add(number, company)
        else:
            rows.append({"customer_number": number, "company": company, "city": "Cluj",
                         "datecreated": datetime.now(UTC).replace(microsecond=0, tzinfo=None)})
    if rows:
        with crm_db.begin() as conn:
            conn.execute(insert(schema.CLIENTS), rows)
    return numbers


def _settle(sync: Callable[[], Any], store, *, max_runs: int) -> list[Any]:
    results = []
    for _ in range(max_runs):
        result = sync()
        results.append(result)
        assert "internal error" not in (result.message or ""), result.message
        with store.session() as s:
            waiting = s.scalar(select(LinkRow.id).where(LinkRow.state.in_(("pending", "failed"))).limit(1))
        if result.status == "success" and not result.counts["failed"] and waiting is None:
            break
    return results


def _sql_numbers(crm_db) -> list[str]:
    with crm_db.connect() as conn:
        return [r.customer_number for r in conn.execute(select(schema.CLIENTS.c.customer_number))]


def _duplicates(numbers: list[str]) -> int:
    return sum(n - 1 for key, n in Counter(numbers).items() if key and n > 1)
