"""The demo's product prices per warehouse and currency: each ERP price entry becomes one row of the CRM module's
tblitem_prices (product, warehouse, currency), written with the product, the currency through the currency
mapping and the warehouse through its link."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from erpsync_gui.app.demo import DEMO_CURRENCY_MAPPING
from erpsync_gui.app.service import SyncService
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.store.queries import grouped_errors
from tests.integration.demo_service import count, crm_fixture, links, service_fixture, set_currency_mapping  # noqa: F401


def _prices(engine: Engine) -> dict[tuple[str, str, int], Decimal]:
    """(CRM product id, CRM warehouse id, CRM currency id) -> price."""
    with engine.connect() as conn:
        return {(str(r.item_id), str(r.warehouse_id), r.currency_id): r.price
                for r in conn.execute(select(schema.ITEM_PRICES))}


def test_every_erp_price_is_one_row_per_warehouse_and_currency_a_rerun_writes_nothing_and_an_edit_flows(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in ("currencies", "warehouses", "product_groups"):
        assert service.sync(entity).status == "success"
    first = service.sync("products")
    assert first.status == "success" and first.counts["inserted"] == erp.count("products")
    products, warehouses = links(service, "products"), links(service, "warehouses")
    expected = {(products[str(p["id"])], warehouses[str(e["warehouse_id"])],
                 DEMO_CURRENCY_MAPPING[str(e["currency_id"])]): Decimal(e["price"])
                for p in erp.records("products") for e in p["prices"]}
    assert len({w for _, w, _ in expected}) > 1 and len({c for _, _, c in expected}) > 1  # both vary
    assert _prices(crm) == expected and count(crm, schema.ITEM_PRICES) == len(expected)

    again = service.sync("products")
    assert (again.counts["inserted"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0)

    doc = erp.records("products")[0]
    entries = [dict(e) for e in doc["prices"]]
    entries[-1]["price"] = "4321.00"
    erp.edit("products", doc["id"], prices=entries)
    assert service.sync("products").counts["updated"] == 1
    last = entries[-1]
    key = (products[str(doc["id"])], warehouses[str(last["warehouse_id"])],
           DEMO_CURRENCY_MAPPING[str(last["currency_id"])])
    assert _prices(crm) == {**expected, key: Decimal("4321.00")}


def test_prices_wait_for_the_warehouses(service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in ("currencies", "product_groups"):
        assert service.sync(entity).status == "success"
    early = service.sync("products")
    assert early.status != "success" and early.counts["inserted"] == 0
    assert count(crm, schema.ITEM_PRICES) == 0 and not links(service, "products")
    assert service.sync("warehouses").status == "success"
    late = service.sync("products")
    assert late.status == "success" and late.counts["inserted"] == erp.count("products")


def test_without_a_currency_mapping_no_price_row_is_written_and_none_is_lost(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in ("currencies", "warehouses", "product_groups"):
        assert service.sync(entity).status == "success"
    set_currency_mapping(service, "products", {})
    failed = service.sync("products")
    assert failed.counts["inserted"] == 0 and count(crm, schema.ITEM_PRICES) == 0
    groups = [g for g in grouped_errors(service.store, service.profile("demo").id) if g.entity == "products"]
    assert [g.count for g in groups] == [erp.count("products")]
    assert "Prices not synchronizing: the currency mapping is missing or invalid" in groups[0].message
    set_currency_mapping(service, "products", DEMO_CURRENCY_MAPPING)
    assert service.sync("products").status == "success"
    assert count(crm, schema.ITEM_PRICES) == sum(len(p["prices"]) for p in erp.records("products"))
