"""The demo's orders and proformas: from the sandbox ERP into the Omni Sales module's tblcart (the sales order) and
tblcart_detailt (its lines, written in the order's transaction), through the app service and the smartcrm preset."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from erpsync_gui.app.demo import DEMO_CURRENCY_MAPPING
from erpsync_gui.app.service import SyncService
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.store.queries import grouped_errors
from tests.integration.demo_service import count, crm_fixture, links, service_fixture, set_currency_mapping  # noqa: F401

BEFORE_ORDERS = ("currencies", "client_groups", "clients", "product_groups", "warehouses", "products")


def _lines(engine: Engine, cart_id: str) -> list[dict]:
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(select(schema.CART_DETAIL).where(
            schema.CART_DETAIL.c.cart_id == int(cart_id)).order_by(schema.CART_DETAIL.c.id))]


def test_orders_arrive_as_sales_orders_with_their_lines_a_rerun_writes_nothing_and_an_erp_edit_flows(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in BEFORE_ORDERS:
        assert service.sync(entity).status == "success", entity
    first = service.sync("orders")
    assert first.status == "success" and first.counts["inserted"] == erp.count("orders") == count(crm, schema.CART)
    orders, clients, products = links(service, "orders"), links(service, "clients"), links(service, "products")
    with crm.connect() as conn:
        carts = {str(r.id): r for r in conn.execute(select(schema.CART))}
    for doc in erp.records("orders"):
        cart = carts[orders[str(doc["id"])]]
        assert cart.order_number == doc["number"] and str(cart.userid) == clients[str(doc["client_id"])]
        assert cart.datecreator.date().isoformat() == doc["date"] and Decimal(cart.total) == Decimal(doc["total"])
        assert cart.currency == DEMO_CURRENCY_MAPPING[str(doc["currency_id"])] and cart.external_channel == "erpsync"
        lines = _lines(crm, str(cart.id))
        assert [(str(x["product_id"]), x["product_name"], Decimal(str(x["quantity"])), x["prices"]) for x in lines] \
            == [(products[str(line["product_id"])], line["description"], Decimal(line["qty"]),
                 Decimal(line["unit_price"])) for line in doc["lines"]]
        assert all(x["sku"] == "" and x["prices_discount"] == 0 for x in lines)  # the module's NOT NULL columns
    assert count(crm, schema.CART_DETAIL) == sum(len(d["lines"]) for d in erp.records("orders"))

    again = service.sync("orders")
    assert (again.counts["inserted"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0)

    doc = erp.records("orders")[0]
    lines = [dict(doc["lines"][0], qty="42"), {**doc["lines"][0], "description": "Rulment nou", "qty": "1"}]
    erp.edit("orders", doc["id"], lines=lines, total="99.90")
    edited = service.sync("orders")
    assert (edited.counts["updated"], edited.counts["inserted"]) == (1, 0)
    cart_id = orders[str(doc["id"])]
    assert [(x["product_name"], x["quantity"]) for x in _lines(crm, cart_id)] == [
        (doc["lines"][0]["description"], 42.0), ("Rulment nou", 1.0)]
    with crm.connect() as conn:
        assert conn.scalar(select(schema.CART.c.total).where(schema.CART.c.id == int(cart_id))) == "99.90"


def test_orders_wait_for_their_clients_and_products_and_nothing_half_written_stays(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in ("currencies", "client_groups", "clients"):
        assert service.sync(entity).status == "success"
    early = service.sync("orders")  # before the products: no line can name its product
    assert early.status != "success" and early.counts["inserted"] == 0
    assert count(crm, schema.CART) == 0 and count(crm, schema.CART_DETAIL) == 0
    for entity in ("product_groups", "warehouses", "products"):
        assert service.sync(entity).status == "success"
    late = service.sync("orders")
    assert late.status == "success" and late.counts["inserted"] == erp.count("orders") == count(crm, schema.CART)


def test_without_a_currency_mapping_orders_stop_with_a_clear_error_and_nothing_is_lost(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    for entity in BEFORE_ORDERS:
        assert service.sync(entity).status == "success"
    set_currency_mapping(service, "orders", {})
    failed = service.sync("orders")
    assert failed.status != "success" and failed.counts["inserted"] == 0 and count(crm, schema.CART) == 0
    groups = [g for g in grouped_errors(service.store, service.profile("demo").id) if g.entity == "orders"]
    assert len(groups) == 1 and groups[0].count == erp.count("orders")
    assert "currency mapping" in groups[0].message
    set_currency_mapping(service, "orders", DEMO_CURRENCY_MAPPING)
    fixed = service.sync("orders")
    assert fixed.status == "success"
    assert fixed.counts["inserted"] == erp.count("orders") == len(links(service, "orders"))
