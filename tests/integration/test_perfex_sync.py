"""A profile set up against stock Perfex CRM 2.7.3 (on SQLite and on MariaDB) with the default mappings syncs
every entity of the preset both ways with the sandbox ERP, the way a person sets it up: test the connection,
add the marker columns it asks for, sync the currencies, take the proposed currency mapping, sync.

Each entity is checked by row count and field by field, and every row written is checked against Perfex's
own rules; a second run writes nothing; edits made as Perfex's PHP makes them travel to the ERP.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from erpsync_gui.app.crm_schema import add_markers
from erpsync_gui.app.currency_proposal import (
    check_currency_mapping,
    propose_currency_mapping,
    read_currencies,
)
from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.perfex.sales import status_from_payments
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import LinkRow, OutcomeRow
from tests import perfex_schema as stock

PROFILE = "perfex"
#: in dependency order: lookups point at entities synced before them
ENTITIES = ("currencies", "client_groups", "clients", "contacts", "leads", "projects", "tickets", "product_groups",
            "products", "invoices", "payments", "orders")
ERP_COUNTS = {"currencies": 4, "units": 2, "warehouses": 2, "product_groups": 3, "client_groups": 3, "clients": 12,
              "contacts": 16, "leads": 6, "projects": 5, "tickets": 6, "products": 8, "stock": 0,
              "discount_grids": 0, "invoices": 10, "orders": 4, "payments": 8}
TABLES = {"currencies": stock.CURRENCIES, "client_groups": stock.CUSTOMERS_GROUPS, "clients": stock.CLIENTS,
          "contacts": stock.CONTACTS, "leads": stock.LEADS, "projects": stock.PROJECTS, "tickets": stock.TICKETS,
          "product_groups": stock.ITEMS_GROUPS, "products": stock.ITEMS, "invoices": stock.INVOICES,
          "payments": stock.PAYMENTS, "orders": stock.ESTIMATES}
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@dataclasses.dataclass
class Perfex:
    """A stock Perfex database with the records its users made in it, and the sync set up against it."""

    db: Engine
    app: stock.PerfexApp
    service: SyncService
    erp: SandboxServer
    made: dict[str, int]


def _profile(crm_url: str, erp_url: str, currency_mapping: dict[str, Any] | None = None) -> ProfileConfig:
    """The profile as the wizard sets it up: the default mappings and match keys, every entity both ways."""
    url = make_url(crm_url)
    return ProfileConfig(
        name=PROFILE,
        crm=EndpointConfig(Side.CRM, "sql", url._replace(password=None).render_as_string(hide_password=False),
                           options={"preset": "perfex"}),
        erp=EndpointConfig(Side.ERP, "rest", erp_url, auth="bearer", options={"paging": "cursor"}),
        entities=tuple(EntityConfig(entity=name, direction=Direction.BOTH, policy="erp_wins",
                                    match_keys=default_match_keys(name), fields=tuple(default_fields(name)),
                                    currency_mapping=dict(currency_mapping or {}),
                                    # what is proven here is the mapping; the first sync's review is not
                                    review_first_sync=False) for name in ENTITIES))


def _made_in_perfex(app: stock.PerfexApp, department: int) -> dict[str, int]:
    """One record of each entity, made by Perfex users before the first sync."""
    made = {"client_groups": app.add_named(stock.CUSTOMERS_GROUPS, "Clienți Perfex"),
            "product_groups": app.add_named(stock.ITEMS_GROUPS, "Servicii Perfex")}
    made["clients"] = app.add_client("Perfex Proprie SRL", country="RO", city="Brașov", vat="RO777000111",
                                     phonenumber="+40 268 000 111")
    made["contacts"] = app.add_contact(made["clients"], "Ioana", "Perfexescu", "ioana@perfex-proprie.example",
                                       primary=True)
    made["leads"] = app.add_lead("Lead din Perfex", "lead@perfex.example", status=1)
    made["projects"] = app.add_project(made["clients"], "Proiect din Perfex")
    made["tickets"] = app.add_ticket(made["clients"], made["contacts"], "Tichet din Perfex", department)
    made["invoices"] = app.add_invoice(made["clients"], [("Consultanță", "2", "150.00")])
    made["payments"] = app.add_payment(made["invoices"], "100.00")
    made["orders"] = app.add_estimate(made["clients"], [("Ofertă", "1", "990.00")])
    return made


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def perfex(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Perfex]:
    crm_url = f"sqlite:///{tmp_path / 'perfex.db'}" if request.param == "sqlite" else request.getfixturevalue(
        "mysql_db_url")
    db = create_engine(crm_url, poolclass=NullPool)
    stock.create_stock(db)
    app = stock.PerfexApp(db)
    department = app.add_department("Suport")  # Perfex's ticket form cannot be sent without one
    made = _made_in_perfex(app, department)
    erp = SandboxServer(seed=ERP_COUNTS).start()
    store = open_store(None, data_dir=tmp_path / "state")
    service = SyncService(store, SecretStore(), tmp_path / "state", time_gate_s=0)
    profile = service.config.save_profile(_profile(crm_url, erp.url))
    service.secrets.set(profile.name, "erp", "token", DEMO_AUTH_TOKEN)
    service.secrets.set(profile.name, "erp", "client_token", DEMO_CLIENT_TOKEN)
    if make_url(crm_url).password:
        service.secrets.set(profile.name, "crm", "db_password", make_url(crm_url).password)
    try:
        yield Perfex(db, app, service, erp, made)
    finally:
        service.close()
        erp.stop()
        store.close()
        db.dispose()


def _set_up(p: Perfex, *, markers: bool = True) -> dict[str, Any]:
    """What a person does before the first sync: test, add the marker columns, sync the currencies, take the
    proposed currency mapping. Returns the mapping."""
    if markers:
        add_markers(p.service, p.service.profile(PROFILE))
    currencies = p.service.sync("currencies", profile_name=PROFILE)
    assert currencies.status == "success", currencies.message
    profile = p.service.profile(PROFILE)
    with p.service.connectors(profile) as connectors:
        erp, crm = read_currencies(connectors[Side.ERP], Side.ERP), read_currencies(connectors[Side.CRM], Side.CRM)
    proposal = propose_currency_mapping(erp, crm)
    assert not proposal.unmatched and not check_currency_mapping(proposal.mapping, erp, crm)
    entities = tuple(dataclasses.replace(e, currency_mapping=dict(proposal.mapping)) for e in profile.entities)
    p.service.config.save_profile(dataclasses.replace(profile, entities=entities))
    return proposal.mapping


def _sync_all(p: Perfex) -> dict[str, Any]:
    results = {e: p.service.sync(e, profile_name=PROFILE) for e in ENTITIES}
    assert all(r.status == "success" for r in results.values()), {e: r.message for e, r in results.items()}
    return results


def _erp_writes(p: Perfex) -> int:
    return sum(p.erp.faults.count(method) for method in ("POST", "PUT", "DELETE"))


def _links(p: Perfex, entity: str) -> list[LinkRow]:
    with p.service.store.session() as s:
        return list(s.scalars(select(LinkRow).where(LinkRow.entity == entity, LinkRow.state == "synced")))


def _count(p: Perfex, table) -> int:
    with p.db.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_connection_test_says_what_stock_perfex_lacks_before_any_sync(perfex: Perfex) -> None:
    crm = perfex.service.test_connections(PROFILE)[Side.CRM]
    assert not crm.ok and "problems to fix before syncing" in crm.message
    details = "\n".join(crm.details)
    assert "missing table tblwarehouse (entity warehouses)" in details
    assert "tickets: marker columns external_id, external_channel are missing in tbltickets: creates are " \
           "refused until they exist" in details
    assert "payments: marker columns external_id, external_channel are missing in tblinvoicepaymentrecords" in details
    assert "clients: warning: marker columns external_id, external_channel are missing in tblclients" in details
    assert "invoices: the currency mapping is empty" in details
    # the default mappings use Perfex's own columns: nothing mapped is missing, nothing required is left empty
    assert "mapped column" not in details and "match key" not in details and "required column" not in details

    add_markers(perfex.service, perfex.service.profile(PROFILE))
    after = "\n".join(perfex.service.test_connections(PROFILE)[Side.CRM].details)
    assert "marker columns" not in after


def test_every_entity_syncs_both_ways_by_perfexs_rules_and_a_second_run_writes_nothing(perfex: Perfex) -> None:
    mapping = _set_up(perfex)
    first = _sync_all(perfex)
    assert first["clients"].counts["inserted"] == ERP_COUNTS["clients"] + 1  # each side's new ones, both ways
    writes = _erp_writes(perfex)
    again = _sync_all(perfex)
    assert {e: (r.counts["inserted"], r.counts["updated"], r.counts["failed"]) for e, r in again.items()} == \
        dict.fromkeys(ENTITIES, (0, 0, 0))
    assert _erp_writes(perfex) == writes

    # row counts: every record exists once on each side, linked
    made_here = {e: (0 if e in ("currencies", "products") else 1) for e in ENTITIES}
    for entity in ENTITIES:
        crm_rows, erp_rows = _count(perfex, TABLES[entity]), perfex.erp.count(entity)
        expected = ERP_COUNTS[entity] + made_here[entity]
        assert (crm_rows, erp_rows, len(_links(perfex, entity))) == (expected, expected, expected), entity

    _check_fields(perfex, mapping)
    _check_perfex_rules(perfex)


def _pairs(p: Perfex, entity: str) -> list[tuple[dict, dict]]:
    links = _links(p, entity)
    profile = p.service.profile(PROFILE)
    with p.service.connectors(profile) as c:
        crm = c[Side.CRM].get_many(entity, [link.crm_id for link in links])
        erp = c[Side.ERP].get_many(entity, [link.erp_id for link in links])
    return [(crm[link.crm_id].data, erp[link.erp_id].data) for link in links]


def _check_fields(p: Perfex, currency_mapping: dict[str, Any]) -> None:
    """Every field mapped both ways holds the same value on both sides of every link; lookups name twins."""
    profile = p.service.profile(PROFILE)
    translate = {e: {link.crm_id: link.erp_id for link in _links(p, e)} for e in ENTITIES}
    for entity in ENTITIES:
        mapping = EntityMapping.from_config(profile.entity(entity))
        pairs = _pairs(p, entity)
        assert pairs, entity
        for crm, erp in pairs:
            crm_common, erp_common = mapping.to_common(Side.CRM, crm), mapping.to_common(Side.ERP, erp)
            for f in mapping.fields:
                if f.direction is not Direction.BOTH:
                    continue
                if f.type == "lookup":
                    own = crm.get(f.crm)
                    if own in (None, 0, "0"):
                        assert erp.get(f.erp) in (None, 0), (entity, f.crm)
                    else:
                        assert str(erp.get(f.erp)) == translate[f.lookup][str(own)], (entity, f.crm)
                    continue
                assert crm_common[f.crm] == erp_common[f.crm], (entity, f.crm, crm.get(f.crm), erp.get(f.erp))
    clients = _pairs(p, "clients")
    # countries: a tblcountries id in Perfex, the ISO code in the ERP
    ids = {code: i for i, code, _n, _i3 in stock.COUNTRIES}
    for crm, erp in clients:
        assert p.app.rows(stock.CLIENTS, userid=int(crm["userid"]))[0]["country"] == ids[erp["country"]]
    # a Romanian client pays in RON, in Perfex too
    ron = next(c["id"] for c in p.app.rows(stock.CURRENCIES) if c["name"] == "RON")
    # (Perfex's own client keeps "the default currency", 0, which the ERP holds as none)
    romanian = {(str(e["currency_id"]), c["default_currency"]) for c, e in clients
                if e["country"] == "RO" and c["default_currency"]}
    assert romanian and romanian <= {("1", ron)} and currency_mapping["1"] == ron


def _check_perfex_rules(p: Perfex) -> None:
    app = p.app
    rows = {e: app.rows(t) for e, t in TABLES.items()}
    ids = {name: {r[next(iter(t.primary_key.columns)).name] for r in app.rows(t)}
           for name, t in (("status", stock.LEADS_STATUS), ("source", stock.LEADS_SOURCES),
                           ("department", stock.DEPARTMENTS), ("priority", stock.TICKETS_PRIORITIES),
                           ("tstatus", stock.TICKETS_STATUS), ("currency", stock.CURRENCIES),
                           ("country", stock.COUNTRY_TABLE))}
    # clients: countries are tblcountries ids (0 = none); one primary contact each, every contact permitted
    assert {c["country"] for c in rows["clients"]} <= ids["country"] | {0}
    for client in rows["clients"]:
        contacts = [c for c in rows["contacts"] if c["userid"] == client["userid"]]
        assert not contacts or sum(c["is_primary"] for c in contacts) == 1, client["company"]
    permissions = {(r["userid"], r["permission_id"]) for r in app.rows(stock.CONTACT_PERMISSIONS)}
    assert permissions == {(c["id"], n) for c in rows["contacts"] for n in range(1, 7)}
    # leads, tickets: references to rows that exist, Perfex's keys
    assert all(r["status"] in ids["status"] and r["source"] in ids["source"] and r["hash"] and
               HEX32.match(r["hash"]) for r in rows["leads"])
    assert all(r["department"] in ids["department"] and r["priority"] in ids["priority"] and
               r["status"] in ids["tstatus"] and HEX32.match(r["ticketkey"]) for r in rows["tickets"])
    assert len({r["ticketkey"] for r in rows["tickets"]}) == len(rows["tickets"])
    # projects: settings and a member each
    for project in rows["projects"]:
        assert len(app.rows(stock.PROJECT_SETTINGS, project_id=project["id"])) == 19
        assert app.rows(stock.PROJECT_MEMBERS, project_id=project["id"])
    # invoices and estimates: numbered in sequence from tbloptions, prefixed, hashed, totalled, taxed per line
    for entity, prefix, option in (("invoices", "INV-", "next_invoice_number"),
                                   ("orders", "EST-", "next_estimate_number")):
        numbers = sorted(r["number"] for r in rows[entity])
        assert numbers == list(range(1, len(numbers) + 1)) and app.option(option) == str(len(numbers) + 1)
        for document in rows[entity]:
            assert document["prefix"] == prefix and document["number_format"] == 1 and document["currency"] in \
                ids["currency"] and HEX32.match(document["hash"] or "")
            lines = app.rows(stock.ITEMABLE, rel_id=document["id"], rel_type=entity[:-1].replace("order", "estimate"))
            if lines:
                assert document["subtotal"] == sum((line["qty"] * line["rate"] for line in lines), Decimal("0"))
                taxes = app.rows(stock.ITEM_TAX, rel_id=document["id"])
                assert document["total_tax"] == sum(
                    (line["qty"] * line["rate"] * t["taxrate"] / 100 for line in lines for t in taxes
                     if t["itemid"] == line["id"]), Decimal("0")).quantize(Decimal("0.01"))
    today = app.today()
    for invoice in rows["invoices"]:
        paid = [r["amount"] for r in rows["payments"] if r["invoiceid"] == invoice["id"]]
        expected = status_from_payments(invoice["total"], paid, invoice["duedate"], today, invoice["status"])
        assert invoice["status"] == expected, invoice["number"]
    assert all(r["note"] == "" or r["id"] == p.made["payments"] for r in rows["payments"])
    # the invoice made in Perfex carries Perfex's number in the ERP; the ERP's keep their own in the ERP
    for crm, erp in _pairs(p, "invoices"):
        if crm.get("external_id"):
            assert crm["own_number"] is None and erp["number"].startswith("INV-2026-")
        else:
            assert erp["number"] == crm["own_number"] == "INV-000001"


def test_edits_made_the_way_perfexs_php_makes_them_reach_the_erp(perfex: Perfex) -> None:
    _set_up(perfex)
    _sync_all(perfex)
    client = perfex.made["clients"]
    link = next(link for link in _links(perfex, "clients") if link.crm_id == str(client))
    writes = _erp_writes(perfex)
    # a save of the form that changed nothing: NULLs become '' and flags stay 0/1
    perfex.app.edit(stock.CLIENTS, client, zip=None, state=None, active=True)
    quiet = perfex.service.sync("clients", profile_name=PROFILE)
    assert quiet.counts["updated"] == 0 and _erp_writes(perfex) == writes
    perfex.app.edit(stock.CLIENTS, client, city="Sibiu", phonenumber=None)
    changed = perfex.service.sync("clients", profile_name=PROFILE)
    assert changed.counts["updated"] == 1
    assert perfex.erp.get("clients", int(link.erp_id))["city"] == "Sibiu"
    assert perfex.erp.get("clients", int(link.erp_id))["phone"] in (None, "")
    # a payment recorded in Perfex: Perfex changes its invoice's status, the ERP keeps its own
    invoice = next(link for link in _links(perfex, "invoices") if link.erp_id and link.crm_id !=
                   str(perfex.made["invoices"]))
    perfex.app.add_payment(int(invoice.crm_id), "1.00")
    assert perfex.service.sync("invoices", profile_name=PROFILE).counts["updated"] == 0
    assert perfex.service.sync("payments", profile_name=PROFILE).counts["inserted"] == 1
    # an edit in the ERP reaches Perfex
    erp_client = next(link for link in _links(perfex, "clients") if link.crm_id != str(client))
    perfex.erp.edit("clients", int(erp_client.erp_id), city="Timișoara", country="DE")
    assert perfex.service.sync("clients", profile_name=PROFILE).counts["updated"] == 1
    row = perfex.app.rows(stock.CLIENTS, userid=int(erp_client.crm_id))[0]
    assert (row["city"], row["country"]) == ("Timișoara", stock.country_id("DE"))


def test_a_perfex_item_without_a_code_is_refused_by_the_erp_by_name(perfex: Perfex) -> None:
    _set_up(perfex)
    _sync_all(perfex)
    perfex.app.add_item("Produs doar în Perfex", "12.50")
    result = perfex.service.sync("products", profile_name=PROFILE)
    assert result.status == "partial" and result.counts["failed"] == 1
    with perfex.service.store.session() as s:
        failure = s.scalars(select(OutcomeRow).where(OutcomeRow.entity == "products",
                                                     OutcomeRow.action == "failed")).one()
    assert "sku" in failure.message


def test_with_the_optional_group_row_a_clients_group_is_its_perfex_customer_group(perfex: Perfex) -> None:
    from erpsync_gui.mapping.defaults import optional_fields

    _set_up(perfex)
    profile = perfex.service.profile(PROFILE)
    entities = tuple(dataclasses.replace(e, fields=(*e.fields, *optional_fields("clients"))) if e.entity == "clients"
                     else e for e in profile.entities)
    perfex.service.config.save_profile(dataclasses.replace(profile, entities=entities))
    _sync_all(perfex)
    groups = {link.erp_id: int(link.crm_id) for link in _links(perfex, "client_groups")}
    memberships = {m["customer_id"]: m["groupid"] for m in perfex.app.rows(stock.CUSTOMER_GROUPS)}
    clients = _links(perfex, "clients")
    for link in clients:
        erp = perfex.erp.get("clients", int(link.erp_id))
        expected = groups.get(str(erp.get("group_id"))) if erp.get("group_id") else None
        assert memberships.get(int(link.crm_id)) == expected, link.crm_id
    assert sum(1 for m in perfex.app.rows(stock.CUSTOMER_GROUPS)) == sum(
        1 for link in clients if perfex.erp.get("clients", int(link.erp_id)).get("group_id"))
    again = _sync_all(perfex)
    assert again["clients"].counts["inserted"] == again["clients"].counts["updated"] == 0


def test_without_the_marker_columns_a_ticket_import_stops_with_why_and_duplicates_nothing(perfex: Perfex) -> None:
    _set_up(perfex, markers=False)
    clients = perfex.service.sync("clients", profile_name=PROFILE)  # the VAT code finds a lost create again
    assert clients.status == "success" and clients.counts["inserted"] > 0
    before = _count(perfex, stock.TICKETS)
    stopped = perfex.service.sync("tickets", profile_name=PROFILE, direction=Direction.IMPORT)
    assert stopped.status == "failed" and stopped.error_kind == "config"
    assert "until the table has the marker columns" in stopped.message and "add-markers" in stopped.message
    assert _count(perfex, stock.TICKETS) == before  # nothing was written
    add_markers(perfex.service, perfex.service.profile(PROFILE), ["tickets"])
    landed = perfex.service.sync("tickets", profile_name=PROFILE, direction=Direction.IMPORT)
    # every ticket arrives once: the refused creates left nothing behind that could count as "maybe created"
    assert landed.status == "success" and landed.counts["failed"] == 0, landed.message
    assert _count(perfex, stock.TICKETS) == before + ERP_COUNTS["tickets"]
