"""Default mappings between the generic REST ERP and a stock Perfex CRM 2.7.3 database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping import EntityMapping, default_fields, default_match_keys, parse_fields
from erpsync_gui.profile import EntityConfig
from erpsync_gui.records import Side

WITH_DEFAULTS = (
    "clients",
    "contacts",
    "leads",
    "projects",
    "tickets",
    "invoices",
    "orders",
    "products",
    "product_groups",
    "currencies",
    "client_groups",
    "payments",
)


class Links:
    def resolve(self, entity, from_side, source_id):
        return {"1": "101", "101": "1"}.get(source_id)


@pytest.mark.parametrize("entity", WITH_DEFAULTS)
def test_default_rows_are_valid_and_match_keys_are_mapped(entity):
    rows = default_fields(entity)
    assert rows
    m = EntityMapping(entity, parse_fields(rows), {"1": 1, "2": 3})
    keys = default_match_keys(entity)
    assert [crm for crm, _ in m.key_pairs(keys)] == list(keys)


def test_every_known_entity_has_an_answer_and_unknown_ones_are_refused():
    for name in ENTITIES:
        assert isinstance(default_fields(name), list)
        assert isinstance(default_match_keys(name), tuple)
    with pytest.raises(ConfigError, match="Unknown entity 'clientz'"):
        default_fields("clientz")


def test_defaults_are_fresh_copies():
    rows = default_fields("tickets")
    rows[-1]["value_map"]["9"] = "changed"
    rows.append({"crm": "x", "erp": "y"})
    assert "9" not in default_fields("tickets")[-1]["value_map"]
    assert len(default_fields("tickets")) == len(rows) - 1


def test_perfex_column_names():
    crm = {name: {r["crm"] for r in default_fields(name)} for name in WITH_DEFAULTS}
    assert {"phonenumber", "state", "default_currency", "company", "vat"} <= crm["clients"]
    assert "email" not in crm["clients"]  # Perfex keeps e-mail on contacts
    assert {"userid", "firstname", "lastname", "title", "is_primary"} <= crm["contacts"]
    assert {"lead_value", "phonenumber"} <= crm["leads"] and "status" not in crm["leads"]  # per-install rows
    assert {"clientid", "project_cost", "deadline", "start_date"} <= crm["projects"]
    assert {"userid", "priority", "status", "subject", "message"} <= crm["tickets"]
    assert {"clientid", "duedate", "currency", "total", "own_number", "lines"} <= crm["invoices"]
    assert {"description", "long_description", "group_id", "rate"} <= crm["products"]
    # stock Perfex has neither column (they belong to modules): the defaults must not need them
    assert "customer_number" not in crm["clients"] and "commodity_code" not in crm["products"]


def test_default_client_export_and_import():
    m = EntityMapping.from_config(
        EntityConfig(
            entity="clients", fields=tuple(default_fields("clients")), currency_mapping={"1": 1, "2": 3}
        )
    )
    crm = {
        "userid": 5,
        "company": "Acme   Trading ",
        "vat": "RO123",
        "phonenumber": "0721",
        "state": "Cluj",
        "country": "RO",
        "default_currency": 3,
    }
    payload = given(m.map_record(crm, to=Side.ERP))
    assert payload == {
        "country": "RO",
        "company": "Acme Trading",
        "vat": "RO123",
        "phone": "0721",
        "county": "Cluj",
        "currency_id": 2,
    }
    back = m.map_record({**payload, "city": "Cluj-Napoca", "currency_id": 1}, to=Side.CRM)
    assert back["state"] == "Cluj" and back["default_currency"] == 1 and back["city"] == "Cluj-Napoca"
    assert m.map_record({"company": "A", "default_currency": 0}, to=Side.ERP)["currency_id"] is None


def given(payload: dict) -> dict:
    """The payload's non-empty values (a field the source leaves out maps to an empty value)."""
    return {k: v for k, v in payload.items() if v is not None}


def test_default_ticket_and_project_picklists_use_perfex_codes():
    tickets = EntityMapping("tickets", parse_fields(default_fields("tickets")), None)
    assert given(tickets.map_record(
        {"subject": "Help", "priority": 3, "status": 1, "userid": 1}, to=Side.ERP, resolver=Links()
    )) == {"subject": "Help", "status": "open", "client_id": 101}  # the priority flows ERP -> CRM only
    assert given(tickets.map_record(
        {"subject": "Help", "priority": "high", "status": "closed", "client_id": None},
        to=Side.CRM,
        resolver=Links(),
    )) == {"subject": "Help", "priority": 3, "status": 5, "userid": 0}
    # stock Perfex has no Urgent priority: the ERP's arrives as High
    assert tickets.map_record({"subject": "S", "priority": "urgent"}, to=Side.CRM)["priority"] == 3
    projects = EntityMapping("projects", parse_fields(default_fields("projects")), None)
    assert (
        projects.map_record(
            {"status": "on_hold", "name": "P", "client_id": 101}, to=Side.CRM, resolver=Links()
        )["status"]
        == 3
    )
    # Perfex's project statuses: 4 Finished, 5 Cancelled
    assert projects.map_record({"status": "finished", "name": "P", "client_id": 101}, to=Side.CRM,
                               resolver=Links())["status"] == 4


def test_default_invoice_with_lines_and_product_prices():
    invoices = EntityMapping("invoices", parse_fields(default_fields("invoices")), {"1": 1, "2": 3})
    payload = invoices.map_record(
        {
            "own_number": "INV-000007",
            "number": 7,
            "clientid": 1,
            "date": "2024-02-01",
            "duedate": "01.03.2024",
            "currency": 3,
            "total": "25.00",
            "status": 2,
            "lines": [{"description": "Work", "qty": "2", "rate": "12.5", "taxrate": "19.00"}],
        },
        to=Side.ERP,
        resolver=Links(),
    )
    assert [given(line) for line in payload["lines"]] == [
        {"description": "Work", "qty": Decimal("2"), "unit_price": Decimal("12.5"), "tax_rate": Decimal("19")}]
    assert (payload["client_id"], payload["currency_id"], payload["number"]) == (101, 2, "INV-000007")
    assert "status" not in payload  # Perfex derives it from its payments: it flows ERP -> CRM only
    back = invoices.map_record({"number": "INV-2026-00001", "client_id": 101, "status": "paid"}, to=Side.CRM,
                               resolver=Links())
    assert back["status"] == 2 and "own_number" not in back and "number" not in back
    products = EntityMapping("products", parse_fields(default_fields("products")), {"1": 1, "2": 3})
    crm = given(products.map_record(
        {
            "sku": "A-1",
            "name": "Bolt",
            "group_id": None,
            "prices": [{"currency_id": 2, "price": "1"}, {"currency_id": 1, "price": "4.20"}],
        },
        to=Side.CRM,
        resolver=Links(),
    ))
    assert crm == {"description": "Bolt", "group_id": 0, "rate": Decimal("4.20")}


#: fields the perfex preset's rules present beside the columns (see erpsync_gui/connectors/perfex/)
PRESENTED = {"invoices": {"own_number", "formatted_number"}, "orders": {"own_number", "formatted_number"},
             "clients": {"customer_group"}}
PRESENTED_ON_LINES = {"taxrate"}


@pytest.mark.parametrize("entity", WITH_DEFAULTS)
def test_default_crm_fields_are_columns_of_the_demo_crm(entity):
    from erpsync_gui.connectors.sql_presets import PERFEX
    from erpsync_gui.sandbox.demo_crm_schema import METADATA

    table = METADATA.tables[PERFEX[entity].table]
    children = {c.name: METADATA.tables[c.table] for c in PERFEX[entity].children}
    for row in default_fields(entity):
        if row["type"] == "lines":
            columns = set(children[row["crm"]].columns.keys()) | PRESENTED_ON_LINES
            assert {sub["crm"] for sub in row["fields"]} <= columns
        else:
            assert row["crm"] in table.columns or row["crm"] in PRESENTED.get(entity, set()), f"{entity}.{row['crm']}"


def test_lead_statuses_are_left_to_each_perfex_installation():
    leads = EntityMapping("leads", parse_fields(default_fields("leads")), None)
    assert given(leads.map_record({"name": "N", "status": "lost"}, to=Side.CRM)) == {"name": "N"}
