"""Kinds' default mappings composed per pair: the product's own pair gives exactly the default rows, every
kind names only common fields the product knows, and composition joins, directs and translates as declared."""

from __future__ import annotations

import pytest

from erpsync_gui.config.kinds import kinds
from erpsync_gui.config.presets import kind_presets, pair_mappings, product_mappings
from erpsync_gui.entities import ENTITIES
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.mapping.presets import KindPresets, compose, entity, held, text
from erpsync_gui.mapping.product_presets import COMMON_FIELDS, LINE_FIELDS
from erpsync_gui.profile import EndpointConfig, EntityConfig
from erpsync_gui.records import Direction, Side

NAMED = ("tryton", "zoho", "quickbooks", "sap_b1", "tally", "payamgostar", "siagh", "sql", "rest")


def _endpoint(kind: str, side: Side, **options: object) -> EndpointConfig:
    return EndpointConfig(side, kind, "http://127.0.0.1:1/", options=dict(options))


@pytest.mark.parametrize("preset", ["perfex", "smartcrm"])
def test_perfex_with_the_rest_erp_composes_to_the_product_defaults(preset: str) -> None:
    pair = pair_mappings(_endpoint("sql", Side.CRM, preset=preset), _endpoint("rest", Side.ERP))
    wanted = {name for name in ENTITIES if default_fields(name, preset)}
    assert set(pair) == wanted
    for name in wanted:  # smartcrm's orders and prices have rows of their own
        assert list(pair[name].fields) == default_fields(name, preset), name
        assert pair[name].match_keys == default_match_keys(name, preset), name
        assert pair[name].crm_name is pair[name].erp_name is None


def test_a_database_of_no_known_preset_gets_the_product_defaults() -> None:
    pair = pair_mappings(_endpoint("sql", Side.CRM, preset="none"), _endpoint("tryton", Side.ERP))
    assert pair == product_mappings()


@pytest.mark.parametrize("kind", NAMED)
def test_every_named_kind_declares_presets_in_common_names(kind: str) -> None:
    side = Side.CRM if Side.CRM in kinds()[kind].sides else Side.ERP
    presets = kind_presets(_endpoint(kind, side))
    assert isinstance(presets, KindPresets) and presets.entities
    for name, fields in presets.entities.items():
        assert name in ENTITIES
        for common, h in fields.fields:
            assert common in COMMON_FIELDS[name], (kind, name, common)
            assert {sub for sub, _ in h.lines} <= set(LINE_FIELDS), (kind, name, common)
        held_names = {c for c, _ in fields.fields}
        assert set(fields.keys) <= held_names, (kind, name)


@pytest.mark.parametrize("crm", ["sql", "zoho", "payamgostar"])
@pytest.mark.parametrize("erp", ["tryton", "quickbooks", "sap_b1", "tally", "siagh", "rest"])
def test_every_pair_composes_mappings_the_engine_accepts(crm: str, erp: str) -> None:
    pair = pair_mappings(_endpoint(crm, Side.CRM), _endpoint(erp, Side.ERP))
    assert "clients" in pair
    for mapping in pair.values():
        config = EntityConfig(mapping.entity, fields=mapping.fields, match_keys=mapping.match_keys)
        assert EntityMapping.from_config(config).field_names(Side.CRM)  # parses; raises on a bad row


def test_zoho_and_quickbooks_join_on_the_common_names() -> None:
    pair = pair_mappings(_endpoint("zoho", Side.CRM), _endpoint("quickbooks", Side.ERP))
    assert set(pair) == {"clients", "products", "invoices", "orders"}  # contacts and leads: QuickBooks has none
    clients = pair["clients"]
    assert (clients.crm_name, clients.erp_name, clients.match_keys) == ("Accounts", "Customer", ("Account_Name",))
    assert {"crm": "Account_Name", "erp": "DisplayName", "type": "text", "transform": ["strip"],
            "required": True} in clients.fields
    invoice = {r["crm"]: r for r in pair["invoices"].fields}
    assert invoice["Account_Name.id"]["lookup"] == "clients" and invoice["Account_Name.id"]["type"] == "lookup"
    assert "Grand_Total" not in invoice  # computed on both sides: nobody writes it
    lines = {r["crm"]: r for r in invoice["lines"]["fields"]}
    assert lines["List_Price"]["erp"] == "SalesItemLineDetail.UnitPrice"
    assert lines["Total"] == {"crm": "Total", "erp": "Amount", "type": "number", "direction": "export"}


def test_statuses_travel_through_the_common_words() -> None:
    rows = {r["crm"]: r for r in pair_mappings(_endpoint("sql", Side.CRM), _endpoint("tryton", Side.ERP))
            ["invoices"].fields}
    status = rows["status"]
    assert status["direction"] == "import"  # Perfex derives its status; Tryton's state is never written
    assert status["value_map_to_crm"] == {"draft": 6, "validated": 1, "posted": 1, "paid": 2, "cancelled": 5}
    assert rows["own_number"]["erp"] == "reference" and rows["own_number"]["direction"] == "export"


def test_only_entities_both_sides_offer_are_composed_and_one_field_is_written_once() -> None:
    crm = KindPresets({"clients": entity({"company": text("n"), "phone": text("p")}, keys=("company",)),
                       "leads": entity({"name": text("l")})})
    erp = KindPresets({"clients": entity({"company": text("Name"), "mobile": text("M"), "phone": text("M")},
                                         keys=("phone", "company")),
                       "products": entity({"name": text("x")})})
    pair = compose(crm, erp)
    assert list(pair) == ["clients"]
    assert [(r["crm"], r["erp"]) for r in pair["clients"].fields] == [("n", "Name"), ("p", "M")]
    assert pair["clients"].match_keys == ("n",)
    both_computed = KindPresets({"clients": entity({"company": held("t", target=False)})})
    assert compose(both_computed, KindPresets({"clients": entity({"company": held("T", target=False)})})) == {}


def test_smartcrm_order_lines_get_sap_item_codes_from_the_product_link_and_keep_the_code_read_only() -> None:
    crm = _endpoint("sql", Side.CRM, preset="smartcrm")
    orders = pair_mappings(crm, _endpoint("sap_b1", Side.ERP))["orders"]
    (lines,) = [r for r in orders.fields if r["type"] == "lines"]
    by_crm = {r["crm"]: r for r in lines["fields"]}
    assert (by_crm["product_id"]["erp"], by_crm["product_id"]["lookup"]) == ("ItemCode", "products")
    assert "direction" not in by_crm["product_id"]
    assert (by_crm["sku"]["erp"], by_crm["sku"]["direction"]) == ("ItemCode", "import")
    assert {r["crm"]: r["erp"] for r in orders.fields}["userid"] == "CardCode"
    # the REST ERP's order lines hold no product code: its pair with smartcrm keeps the product defaults
    rest = pair_mappings(crm, _endpoint("rest", Side.ERP))["orders"]
    assert "sku" not in {r["crm"] for r in rest.fields[-1]["fields"]}


def test_a_side_that_cannot_fill_a_required_line_field_only_receives_those_documents() -> None:
    crm = KindPresets({"invoices": entity({"number": text("no"), "lines": held("lines", "lines", lines=(
        ("description", text("text")), ("qty", held("qty", "number"))))})})
    erp = KindPresets({"invoices": entity({"number": text("ref"), "lines": held("items", "lines", lines=(
        ("description", text("label")), ("product_id", held("item", "lookup", lookup="products", required=True))))},
        hint="set the item option")})
    invoice = compose(crm, erp)["invoices"]
    assert invoice.direction is Direction.IMPORT
    assert invoice.reason == ("ERP → CRM only: the ERP needs item on every invoice line, which the CRM's invoice "
                              "lines do not hold; set the item option")
    # the CRM's own required line fields the ERP does not hold: CRM -> ERP only; a record's own required fields
    # are left to each record
    flipped = compose(KindPresets({"invoices": erp.entities["invoices"]}), KindPresets({"invoices": crm.entities[
        "invoices"]}))["invoices"]
    assert flipped.direction is Direction.EXPORT
    both = compose(crm, KindPresets({"invoices": entity({"number": text("ref", required=True), "lines": held(
        "items", "lines", lines=(("description", text("label")),))})}))["invoices"]
    assert (both.direction, both.reason) == (None, "")


def test_documents_neither_side_can_write_are_left_out_and_a_computed_line_field_asks_nothing() -> None:
    crm = KindPresets({"invoices": entity({"number": text("no"), "lines": held("lines", "lines", lines=(
        ("description", text("text")), ("qty", held("qty", "number", required=True))))})})
    erp = KindPresets({"invoices": entity({"number": text("ref"), "lines": held("items", "lines", lines=(
        ("description", text("label")), ("product_id", held("item", "lookup", lookup="products", required=True))))})})
    # each side's lines need a field the other's do not hold: no way records could flow, so no default
    assert "invoices" not in compose(crm, erp)
    # a required line field the system fills in itself (not writable) is not asked of the other side
    computed = KindPresets({"invoices": entity({"number": text("ref"), "lines": held("items", "lines", lines=(
        ("description", text("label")),
        ("product_id", held("item", "lookup", lookup="products", required=True, target=False))))})})
    invoice = compose(KindPresets({"invoices": entity({"number": text("no"), "lines": held("lines", "lines", lines=(
        ("description", text("text")),))})}), computed)["invoices"]
    assert (invoice.direction, invoice.reason) == (None, "")


def test_perfex_and_sap_invoices_flow_from_sap_unless_a_service_account_is_set() -> None:
    for preset in ("perfex", "smartcrm"):
        crm = _endpoint("sql", Side.CRM, preset=preset)
        assert pair_mappings(crm, _endpoint("sap_b1", Side.ERP))["invoices"].direction is Direction.IMPORT
        served = pair_mappings(crm, _endpoint("sap_b1", Side.ERP, service_account="4000"))["invoices"]
        assert (served.direction, served.reason) == (None, "")
    # a side whose lines name their item sends its orders: smartcrm's shop orders keep the product
    orders = pair_mappings(_endpoint("sql", Side.CRM, preset="smartcrm"), _endpoint("sap_b1", Side.ERP))["orders"]
    assert orders.direction is None


@pytest.mark.parametrize("crm", ["zoho", "perfex", "smartcrm"])
def test_tally_invoices_name_their_party_by_lookup_both_ways(crm: str) -> None:
    endpoint = _endpoint("sql", Side.CRM, preset=crm) if crm != "zoho" else _endpoint("zoho", Side.CRM)
    invoices = pair_mappings(endpoint, _endpoint("tally", Side.ERP))["invoices"]
    assert invoices.direction is None
    party = next(r for r in invoices.fields if r["erp"] == "party_id")
    assert party["type"] == "lookup" and party["lookup"] == "clients" and "direction" not in party
    lines = next(r for r in invoices.fields if r["type"] == "lines")
    assert {s["erp"] for s in lines["fields"]} >= {"STOCKITEMNAME", "quantity", "unit_rate"}
