"""The smartcrm table preset's own default rows: orders into the Omni Sales module's tblcart + tblcart_detailt,
a product's prices per warehouse and currency into tblitem_prices; stock Perfex keeps its estimates."""

from __future__ import annotations

from erpsync_gui.mapping.defaults import default_fields


def test_smartcrm_orders_and_prices_have_rows_of_their_own() -> None:
    orders = {r["crm"]: r for r in default_fields("orders", "smartcrm")}
    assert orders["order_number"]["erp"] == "number" and orders["userid"]["lookup"] == "clients"
    assert [f["crm"] for f in orders["lines"]["fields"]] == ["product_id", "product_name", "quantity", "prices",
                                                              "tax_rate"]
    prices = next(r for r in default_fields("products", "smartcrm") if r["type"] == "lines")
    assert {f["crm"]: f["type"] for f in prices["fields"]} == {"warehouse_id": "lookup", "currency_id": "currency",
                                                                "price": "number"}
    assert "own_number" in {r["crm"] for r in default_fields("orders")}  # stock Perfex keeps its estimates
    assert not any(r["type"] == "lines" for r in default_fields("products"))
