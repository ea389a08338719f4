"""The demo's advanced entities end to end: units, warehouses, stock, client groups and discount grids from
the sandbox ERP into the smartcrm preset's tables of the demo CRM (SQLite), through the app service."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.engine import Engine

from erpsync_gui.app.demo import ALL_DEMO_ENTITIES, DEMO_ENTITIES
from erpsync_gui.app.service import SyncService
from erpsync_gui.entities import ENTITIES
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.store.queries import grouped_errors
from tests.integration.demo_service import count as _count
from tests.integration.demo_service import crm_fixture, service_fixture  # noqa: F401
from tests.integration.demo_service import links as _links

#: entity -> the CRM table it lands in
ADVANCED = {"units": schema.UNIT_TYPES, "warehouses": schema.WAREHOUSES, "client_groups": schema.DISCOUNT_GROUPS,
            "stock": schema.INVENTORY, "discount_grids": schema.GROUP_DISCOUNTS}


def test_the_demo_lists_every_entity_in_dependency_order() -> None:
    assert set(ALL_DEMO_ENTITIES) == set(ENTITIES) and DEMO_ENTITIES == ALL_DEMO_ENTITIES and len(ENTITIES) == 16
    for entities in (ALL_DEMO_ENTITIES, DEMO_ENTITIES):
        for position, entity in enumerate(entities):
            assert set(ENTITIES[entity].depends_on) & set(entities) <= set(entities[:position]), entity


def test_advanced_entities_import_into_the_module_tables_a_rerun_writes_nothing_and_an_erp_edit_flows(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    results = {e: service.sync(e) for e in ALL_DEMO_ENTITIES}
    assert all(r.status == "success" for r in results.values()), {e: r.message for e, r in results.items()}
    for entity, table in ADVANCED.items():
        assert _count(crm, table) == erp.count(entity) > 0, entity  # every ERP row, once
        assert len(_links(service, entity)) == erp.count(entity), entity

    # stock rows point at the CRM's product and warehouse linked to the ERP's (they were synced first)
    products, warehouses = _links(service, "products"), _links(service, "warehouses")
    stock_links = _links(service, "stock")
    with crm.connect() as conn:
        rows = {str(r.id): r for r in conn.execute(select(schema.INVENTORY))}
        grids = {str(r.id): r for r in conn.execute(select(schema.GROUP_DISCOUNTS))}
        units = {r.unit_code: r.unit_name for r in conn.execute(select(schema.UNIT_TYPES))}
    for doc in erp.records("stock"):
        row = rows[stock_links[str(doc["id"])]]
        assert str(row.commodity_id) == products[str(doc["product_id"])]
        assert str(row.warehouse_id) == warehouses[str(doc["warehouse_id"])]
        assert row.inventory_number == doc["quantity"] and row.external_channel == "erpsync"
    groups, product_groups = _links(service, "client_groups"), _links(service, "product_groups")
    grid_links = _links(service, "discount_grids")
    for doc in erp.records("discount_grids"):
        row = grids[grid_links[str(doc["id"])]]
        assert str(row.client_group_id) == groups[str(doc["client_group_id"])]
        assert str(row.item_group_id) == product_groups[str(doc["product_group_id"])]
        assert float(row.discount_percent) == float(doc["discount_percent"])
    assert units == {u["code"]: u["name"] for u in erp.records("units")}

    writes = _count(crm, schema.INVENTORY)
    again = {e: service.sync(e) for e in ALL_DEMO_ENTITIES}  # the demo's second run writes nothing anywhere
    assert {e: (r.counts["inserted"], r.counts["updated"], r.counts["failed"]) for e, r in again.items()} == {
        e: (0, 0, 0) for e in ALL_DEMO_ENTITIES}
    assert _count(crm, schema.INVENTORY) == writes

    doc = erp.records("stock")[0]
    erp.edit("stock", doc["id"], quantity="777")
    erp.edit("warehouses", 1, name="Depozit Brașov Nord")
    assert service.sync("stock").counts["updated"] == 1
    assert service.sync("warehouses").counts["updated"] == 1
    with crm.connect() as conn:
        quantity = conn.scalar(select(schema.INVENTORY.c.inventory_number).where(
            schema.INVENTORY.c.id == int(stock_links[str(doc["id"])])))
        name = conn.scalar(select(schema.WAREHOUSES.c.warehouse_name).where(
            schema.WAREHOUSES.c.warehouse_id == int(warehouses["1"])))
    assert quantity == "777" and name == "Depozit Brașov Nord"


def test_without_a_currency_mapping_prices_stop_with_the_sources_words_and_nothing_is_lost(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in ("currencies", "warehouses", "product_groups"):
        assert service.sync(entity).status == "success"
    profile = service.profile("demo")
    products = profile.entity("products")
    service.config.save_profile(dataclasses.replace(profile, entities=tuple(
        dataclasses.replace(e, currency_mapping={}) if e.entity == "products" else e for e in profile.entities)))
    before = _count(crm, schema.ITEMS)

    failed = service.sync("products")
    assert failed.status != "success" and failed.counts["inserted"] == 0
    assert _count(crm, schema.ITEMS) == before
    groups = [g for g in grouped_errors(service.store, profile.id) if g.entity == "products"]
    assert len(groups) == 1 and groups[0].count == erp.count("products")  # each product, with the reason
    assert "Prices not synchronizing: the currency mapping is missing or invalid" in groups[0].message

    service.config.save_profile(dataclasses.replace(service.profile("demo"), entities=tuple(
        dataclasses.replace(e, currency_mapping=dict(products.currency_mapping)) if e.entity == "products" else e
        for e in service.profile("demo").entities)))
    fixed = service.sync("products")
    assert fixed.status == "success" and fixed.counts["failed"] == 0
    assert len(_links(service, "products")) == erp.count("products")  # every product arrived once
