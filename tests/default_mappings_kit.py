"""What the tests of the kinds' default mappings share: the profile exactly as the connection wizard's Save
makes it (WizardState.profile with the kinds' presets, nothing edited by hand), a small Perfex-style CRM
database (the demo CRM's tables: stock Perfex plus the CRM module's customer number) with the records a
person made in it, and engine runs."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import RunResult
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.demo_crm_perfex import PREFIX, seed_reference_rows, write_options
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store
from erpsync_gui.ui.wizard.state import WizardState
from tests.fakes.zoho import ZohoFake

#: the run totals that count a write on either side
WRITES = ("inserted", "updated", "failed", "conflicts")


def wizard_profile(name: str, crm: EndpointConfig, erp: EndpointConfig,
                   ticked: Mapping[str, Direction | None]) -> ProfileConfig:
    """The profile the wizard's Save stores when a person ticks `ticked` (a direction they chose, or None for
    the offered one, as the Entities step offers it) and keeps every other default."""
    state = WizardState(name=name, endpoints={Side.CRM: crm, Side.ERP: erp})
    choices = []
    for entity in state.mappings():
        offered = state.choice_for(entity)
        chosen = ticked.get(entity) or offered.direction
        choices.append(dataclasses.replace(offered, enabled=entity in ticked, direction=chosen))
    state.entities = choices
    missing = set(ticked) - {c.entity for c in choices}
    assert not missing, f"the wizard does not offer {missing}"
    return state.profile()


def zoho_endpoint(zoho: ZohoFake) -> tuple[EndpointConfig, dict[str, str]]:
    """A Zoho CRM endpoint at the fake's US API server whose refresh token the EU accounts server knows, and
    its secrets."""
    zoho.state.refresh_tokens["1000.defaults"] = "eu"
    endpoint = EndpointConfig(Side.CRM, "zoho", zoho.api_url("us"), auth="oauth2", timeout=10, options={
        "client_id": zoho.state.client_id, "accounts_server": zoho.accounts_url("eu"),
        "scopes": ["ZohoCRM.modules.ALL"]})
    return endpoint, {"client_secret": zoho.state.client_secret, "refresh_token": "1000.defaults"}


class Runner:
    """The profile saved in the store, and engine runs between the two connectors."""

    def __init__(self, store: Store, profile: ProfileConfig, crm: Connector, erp: Connector) -> None:
        self.profile = ConfigRepo(store).save_profile(profile)
        self.engine = SyncEngine(store, self.profile, {Side.CRM: crm, Side.ERP: erp}, time_gate_s=0)

    def run(self, entity: str) -> RunResult:
        result = self.engine.run(entity)
        assert result.status == "success", (entity, result.status, result.message)
        return result

    def settled(self, entity: str) -> RunResult:
        """A second run, which must write nothing on either side."""
        again = self.run(entity)
        assert {k: again.counts[k] for k in WRITES} == dict.fromkeys(WRITES, 0), (entity, again.counts)
        return again


class PerfexCrm:
    """A Perfex-style SQLite CRM with the demo CRM's tables, filled as Perfex's own forms fill them."""

    def __init__(self, root: Path) -> None:
        self.path = root / "crm.sqlite"
        self.db: Engine = create_engine(f"sqlite:///{self.path}", poolclass=NullPool)
        schema.create_schema(self.db)
        with self.db.begin() as conn:
            seed_reference_rows(conn)
            write_options(conn, 1, 1)
        self.next_invoice = 1

    def endpoint(self) -> EndpointConfig:
        return EndpointConfig(Side.CRM, "sql", f"sqlite:///{self.path.as_posix()}", options={"preset": "smartcrm"})

    def connector(self) -> SqlConnector:
        return SqlConnector(self.endpoint(), {})

    def add_currency(self, name: str = "EUR", symbol: str = "€") -> int:
        """A currency made the default one, as Perfex's installer leaves one (documents need a currency)."""
        with self.db.begin() as conn:
            return int(conn.execute(schema.CURRENCIES.insert().values(
                name=name, symbol=symbol, decimal_separator=".", thousand_separator=",", placement="before",
                isdefault=1)).inserted_primary_key[0])

    def add_client(self, company: str, *, customer_number: str | None = None, city: str = "", zip_code: str = "",
                   address: str = "", phone: str = "", vat: str = "") -> int:
        with self.db.begin() as conn:
            return int(conn.execute(schema.CLIENTS.insert().values(
                company=company, customer_number=customer_number, city=city, zip=zip_code, address=address,
                phonenumber=phone, vat=vat, state="", website="", country=0, datecreated=datetime(2026, 5, 1, 9),
                active=1, default_currency=0, addedfrom=1)).inserted_primary_key[0])

    def add_invoice(self, client: int, lines: Sequence[tuple[str, str, str]], *, day: date = date(2026, 5, 4)
                    ) -> str:
        """An invoice numbered by Perfex (INV-000001 ...) with `lines` of (description, qty, rate); its number."""
        number, self.next_invoice = self.next_invoice, self.next_invoice + 1
        total = sum((Decimal(q) * Decimal(r) for _d, q, r in lines), Decimal("0"))
        with self.db.begin() as conn:
            invoice = int(conn.execute(schema.INVOICES.insert().values(
                clientid=client, number=number, prefix=PREFIX, number_format=1, datecreated=datetime(2026, 5, 4, 9),
                date=day, duedate=day, currency=1, subtotal=total, total_tax=0, total=total, adjustment=0,
                addedfrom=1, hash=secrets.token_hex(16), status=1, discount_type="", include_shipping=0,
            )).inserted_primary_key[0])
            conn.execute(schema.ITEMABLE.insert(), [
                {"rel_id": invoice, "rel_type": "invoice", "description": d, "long_description": "",
                 "qty": Decimal(q), "rate": Decimal(r), "unit": "", "item_order": n}
                for n, (d, q, r) in enumerate(lines, 1)])
        return f"{PREFIX}{number:06d}"

    def rows(self, table: Any) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(table))]

    def close(self) -> None:
        self.db.dispose()
