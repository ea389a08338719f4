"""Two real systems and the real engine in one process, for tests that drive whole sync histories.

The ERP is the sandbox server on a loopback port (in-memory storage); the CRM is a Perfex-style SQLite file
with the demo schema; the state store is a SQLite file. Edits are made the way a person would make them:
the ERP through its storage (new updated_at and version), the CRM with plain SQL (PHP-style whole-second
stamps where a table has an updated column). The engine's clock is the harness's own, so the echo time
gate can be passed without waiting.

Everything is built once and `reset()` between histories: a model-based test runs a thousand of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, insert, select, update
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import RunResult
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.storage import Storage
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store, open_store
from erpsync_gui.store.models import (
    ConflictRow,
    CursorRow,
    DailyStatRow,
    LinkRow,
    LogRow,
    OutcomeRow,
    RunRow,
)
from erpsync_gui.store.safety_models import BeforeImageRow, LinkSnapshotRow, PendingDeleteRow

CLIENT_FIELDS = (
    {"crm": "customer_number", "erp": "customer_number", "type": "text", "transform": ["strip"]},
    {"crm": "company", "erp": "company", "type": "text", "transform": ["strip"], "required": True},
    {"crm": "phonenumber", "erp": "phone", "type": "text", "transform": ["strip"]},
    {"crm": "city", "erp": "city", "type": "text", "transform": ["strip"]},
)
#: the mapped fields a history edits, in CRM names, with their ERP names
EDITABLE = {"company": "company", "phonenumber": "phone", "city": "city"}


class Harness:
    def __init__(self, root: Path, *, fields: Sequence[Mapping[str, Any]] = CLIENT_FIELDS,
                 erp_options: Mapping[str, Any] | None = None,
                 currency_mapping: Mapping[str, Any] | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.sandbox = SandboxServer(seed=False).start()
        self.crm_path = root / "crm.sqlite"
        self.crm_db = create_engine(f"sqlite:///{self.crm_path}", poolclass=NullPool)
        schema.create_schema(self.crm_db)
        self.store: Store = open_store(f"sqlite:///{root / 'state.db'}")
        self.now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
        self.fields = tuple(dict(f) for f in fields)
        # retries wait a millisecond, and a tripped circuit breaker lets the next call through at once: a
        # history's outcome never depends on how fast this machine happens to be
        self.erp_options = {"paging": "page", "backoff_s": 0.001, "circuit_breaker": {"failures": 5, "cooldown_s": 0},
                            **dict(erp_options or {})}
        self.currency_mapping = dict(currency_mapping or {})
        self.profile = self._save_profile()
        self._crm: SqlConnector | None = None
        self._erp: dict[str, RestErpConnector] = {}  # one per paging style

    # -- setup ---------------------------------------------------------------------------------
    def _save_profile(self) -> ProfileConfig:
        profile = ProfileConfig(
            name="history",
            crm=EndpointConfig(Side.CRM, "sql", f"sqlite:///{self.crm_path}", options={"preset": "perfex"}),
            erp=EndpointConfig(Side.ERP, "rest", self.sandbox.url, auth="bearer", retries=3, timeout=5,
                               options=self.erp_options),
            entities=(EntityConfig("clients", direction=Direction.BOTH, policy="crm_wins",
                                   match_keys=("customer_number",), fields=self.fields,
                                   currency_mapping=self.currency_mapping),),
        )
        return ConfigRepo(self.store).save_profile(profile)

    def connectors(self, paging: str | None = None) -> dict[Side, Any]:
        """The CRM connector and the ERP connector for `paging` (default: the profile's), built once."""
        if self._crm is None:
            self._crm = SqlConnector(self.profile.crm, {})
        style = paging or self.erp_options.get("paging", "page")
        if style not in self._erp:
            endpoint = dataclasses.replace(self.profile.erp, options={**self.erp_options, "paging": style})
            self._erp[style] = RestErpConnector(endpoint, {"token": DEMO_AUTH_TOKEN, "client_token": DEMO_CLIENT_TOKEN})
        return {Side.CRM: self._crm, Side.ERP: self._erp[style]}

    def _close_connectors(self) -> None:
        for connector in [self._crm, *self._erp.values()]:
            if connector is not None:
                connector.close()
        self._crm, self._erp = None, {}

    def reset(self) -> None:
        """Empty both systems and the state store (the profile stays), ready for the next history."""
        self.sandbox.faults.clear()
        self.sandbox.faults.reset_counts()
        self.sandbox.faults.configure(seed=0)  # the same faults for the same history, each time it runs
        old = self.sandbox.storage
        self.sandbox.storage = self.sandbox.api.storage = Storage(None)
        old.close()
        with self.crm_db.begin() as conn:
            conn.execute(delete(schema.CLIENTS))
            conn.exec_driver_sql("DELETE FROM sqlite_sequence")  # ids start at 1 again, for a repeatable run
        self.forget_state()
        self._close_connectors()

    def forget_state(self) -> None:
        """Lose everything the state store knows about syncs (as after a lost or new state database)."""
        with self.store.session() as s, s.begin():
            for model in (LinkSnapshotRow, BeforeImageRow, PendingDeleteRow, ConflictRow, OutcomeRow, RunRow, LinkRow,
                          CursorRow, DailyStatRow, LogRow):
                s.execute(delete(model))

    def close(self) -> None:
        self._close_connectors()
        self.sandbox.stop()
        self.crm_db.dispose()
        self.store.close()

    # -- running -------------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sync(self, *, direction: Direction = Direction.BOTH, policy: str = "crm_wins", batch: int = 50,
             full: bool = False, time_gate_s: float = 10.0, progress=None, cancel=None, paging: str | None = None,
             only: Mapping[Side, Sequence[str]] | None = None, settings: Mapping[str, Any] | None = None,
             **run: Any) -> RunResult:
        """One run; `settings` replace entity settings (merge_fallback, fields, ...), `run` goes to the engine."""
        entity = dataclasses.replace(self.profile.entities[0], policy=policy, direction=direction, batch_size=batch,
                                     **dict(settings or {}))
        profile = dataclasses.replace(self.profile, entities=(entity,))
        engine = SyncEngine(self.store, profile, self.connectors(paging), clock=lambda: self.now,
                            time_gate_s=time_gate_s)
        return engine.run("clients", direction, full=full, progress=progress, cancel=cancel, only=only, **run)

    # -- the ERP, as a person uses it ----------------------------------------------------------
    def erp_create(self, **fields: Any) -> str:
        return str(self.sandbox.storage.create("clients", fields)["id"])

    def erp_edit(self, record_id: str, **fields: Any) -> None:
        self.sandbox.edit("clients", int(record_id), **fields)

    def erp_delete(self, record_id: str) -> None:
        self.sandbox.storage.delete("clients", int(record_id))

    def erp_rows(self) -> dict[str, dict[str, Any]]:
        return {str(r["id"]): r for r in self.sandbox.records("clients")}

    # -- the CRM, as its PHP application writes it ---------------------------------------------
    def crm_create(self, **fields: Any) -> str:
        values = {"datecreated": datetime.now(UTC).replace(microsecond=0, tzinfo=None), **fields}
        with self.crm_db.begin() as conn:
            return str(conn.execute(insert(schema.CLIENTS).values(values)).inserted_primary_key[0])

    def crm_edit(self, record_id: str, **fields: Any) -> None:
        with self.crm_db.begin() as conn:
            conn.execute(update(schema.CLIENTS).where(schema.CLIENTS.c.userid == int(record_id)).values(fields))

    def crm_delete(self, record_id: str) -> None:
        with self.crm_db.begin() as conn:
            conn.execute(delete(schema.CLIENTS).where(schema.CLIENTS.c.userid == int(record_id)))

    def crm_rows(self) -> dict[str, dict[str, Any]]:
        with self.crm_db.connect() as conn:
            return {str(r["userid"]): dict(r) for r in conn.execute(select(schema.CLIENTS)).mappings()}

    # -- the state store -------------------------------------------------------------------------
    def links(self) -> list[LinkRow]:
        with self.store.session() as s:
            return list(s.scalars(select(LinkRow).where(LinkRow.entity == "clients").order_by(LinkRow.id)))

    def open_conflicts(self) -> list[ConflictRow]:
        with self.store.session() as s:
            return list(s.scalars(select(ConflictRow).where(ConflictRow.resolved_at.is_(None))))

    def writes(self) -> int:
        """Writes the ERP has received so far (POST, PUT and DELETE requests)."""
        faults = self.sandbox.faults
        return sum(faults.count(method) for method in ("POST", "PUT", "DELETE"))


def pairs_by_link(harness: Harness) -> Iterable[tuple[LinkRow, dict | None, dict | None]]:
    """Each link with the current CRM and ERP rows it names (None where a side is missing)."""
    crm, erp = harness.crm_rows(), harness.erp_rows()
    for link in harness.links():
        yield link, crm.get(link.crm_id or ""), erp.get(link.erp_id or "")
