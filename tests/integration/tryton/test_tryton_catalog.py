"""products, product groups, currencies, warehouses and stock per warehouse, against a real server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erpsync_gui.errors import PermanentError, StaleVersionError

pytestmark = pytest.mark.tryton


@pytest.fixture(scope="module")
def accounting_category(admin) -> int:
    return admin.search_read("product.category", [("name", "=", "Accounting")], ["id"])[0]["id"]


def test_a_product_is_created_as_a_template_with_its_variant(make_connector, admin, accounting_category):
    connector = make_connector(account_category=accounting_category)
    record = connector.create("products", {"name": "Widget", "code": "WID-1", "list_price": Decimal("12.50"),
                                           "description": "A fine widget"})

    row = admin.read("product.product", [int(record.id)], ["template", "description", "code"])[0]
    template = admin.read("product.template", [row["template"]],
                          ["name", "list_price", "salable", "sale_uom", "account_category"])[0]
    assert (template["name"], template["list_price"], template["account_category"]) == (
        "Widget", Decimal("12.50"), accounting_category)
    assert template["salable"] and template["sale_uom"]
    assert (row["code"], row["description"]) == ("WID-1", "A fine widget")
    assert record.data["list_price"] == Decimal("12.50") and isinstance(record.data["list_price"], Decimal)
    assert (record.data["currency"], record.data["unit"], record.data["template_id"]) == ("USD", "u", row["template"])


def test_a_product_update_writes_template_and_variant_under_the_lock(connector, admin):
    record = connector.create("products", {"name": "Gadget", "code": "GAD-1", "list_price": "3"})

    updated = connector.update("products", record.id, {"list_price": Decimal("4.25"), "description": "New"},
                               version=record.version)
    assert (updated.data["list_price"], updated.data["description"]) == (Decimal("4.25"), "New")

    admin.write("product.template", [updated.data["template_id"]], {"name": "Gadget (renamed in Tryton)"})
    with pytest.raises(StaleVersionError):
        connector.update("products", record.id, {"list_price": 5}, version=updated.version)


def test_a_template_edit_brings_its_product_back_in_the_feed(connector, admin):
    record = connector.create("products", {"name": "Doohickey", "code": "DOO-1", "list_price": 1})
    cursor = list(connector.changes("products", None, 100))[-1].cursor

    admin.write("product.template", [record.data["template_id"]], {"list_price": Decimal("9.99")})
    changed = {r.id: r for p in connector.changes("products", cursor, 100) for r in p.records}

    assert changed[record.id].data["list_price"] == Decimal("9.99")


def test_products_are_found_by_code_and_archived(connector):
    record = connector.create("products", {"name": "Thing", "code": "THING-1", "list_price": 2})
    assert [r.id for r in connector.find_by_keys("products", "code", ["THING-1"])["THING-1"]] == [record.id]

    archived = connector.archive("products", record.id)
    assert archived.data["active"] is False


def test_product_groups_with_a_parent(connector):
    parent = connector.create("product_groups", {"name": "Hardware"})
    child = connector.create("product_groups", {"name": "Screws", "parent_id": parent.id})

    assert child.data["parent_id"] == int(parent.id) and child.data["parent_name"] == "Hardware"
    assert connector.find_by_keys("product_groups", "name", ["Screws"])["Screws"][0].id == child.id
    assert not connector.capabilities("product_groups").archive
    with pytest.raises(PermanentError):
        connector.archive("product_groups", child.id)


def test_currencies_and_warehouses_are_read(connector):
    currencies = {r.data["code"]: r for p in connector.changes("currencies", None, 50) for r in p.records}
    assert {"USD", "EUR"} <= set(currencies)
    assert currencies["EUR"].data["rate"] == Decimal("2") and currencies["USD"].data["rounding"] == Decimal("0.01")

    warehouses = [r for p in connector.changes("warehouses", None, 50) for r in p.records]
    assert [w.data["code"] for w in warehouses] == ["WH"]
    with pytest.raises(PermanentError):
        connector.create("currencies", {"code": "GBP", "name": "Pound"})


def test_stock_per_warehouse_is_read_with_the_locations_context(connector, admin):
    product = connector.create("products", {"name": "Stocked", "code": "STK-1", "list_price": 1})
    warehouse = admin.search_read("stock.location", [("type", "=", "warehouse")], ["id", "storage_location"])[0]
    supplier = admin.search_read("stock.location", [("type", "=", "supplier")], ["id"])[0]["id"]
    move = admin.create("stock.move", {"product": int(product.id), "from_location": supplier,
                                       "to_location": warehouse["storage_location"], "quantity": 7, "unit": 1,
                                       "unit_price": Decimal("1"), "currency": 1, "company": 1})
    admin.call("stock.move", "do", move)

    pages = list(connector.changes("stock", None, 100))
    assert pages[-1].complete and all(p.cursor is None for p in pages)
    stock = {r.id: r for p in pages for r in p.records}
    key = f"{product.id}@{warehouse['id']}"
    assert (stock[key].data["quantity"], stock[key].data["warehouse_code"]) == (7, "WH")
    assert connector.get_many("stock", [key, "1@999"])[key].data["quantity"] == 7
    assert [r.id for r in connector.find_by_keys("stock", "product_code", ["STK-1"])["STK-1"]] == [key]
    assert not connector.capabilities("stock").cursor


def test_deleting_a_products_only_variant_deletes_its_template(connector, admin):
    record = connector.create("products", {"name": "Short-lived", "code": "GONE-1", "list_price": 1})

    connector.delete("products", record.id)

    assert admin.search_read("product.template", [("id", "=", record.data["template_id"])], ["id"]) == []
    assert connector.get_many("products", [record.id]) == {}


def test_a_payload_of_the_wrong_shape_fails_its_item_only(connector):
    from erpsync_gui.errors import MappingError

    results = connector.create_many("products", [{"name": "Shaped", "category_ids": 5},
                                                 {"name": "Fine", "code": "FINE-1"}])
    assert isinstance(results[0].error, MappingError)
    assert results[1].record is not None and results[1].record.data["code"] == "FINE-1"
