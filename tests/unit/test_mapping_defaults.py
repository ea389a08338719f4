"""Default mappings between the generic REST ERP and a Perfex-style CRM."""

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
    "products",
    "product_groups",
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
    rows = default_fields("leads")
    rows[-1]["value_map"]["9"] = "changed"
    rows.append({"crm": "x", "erp": "y"})
    assert "9" not in default_fields("leads")[-1]["value_map"]
    assert len(default_fields("leads")) == len(rows) - 1


def test_perfex_column_names():
    crm = {name: {r["crm"] for r in default_fields(name)} for name in WITH_DEFAULTS}
    assert {"phonenumber", "state", "default_currency", "company", "vat"} <= crm["clients"]
    assert "email" not in crm["clients"]  # Perfex keeps e-mail on contacts
    assert {"userid", "firstname", "lastname", "title", "is_primary"} <= crm["contacts"]
    assert {"lead_value", "phonenumber", "status"} <= crm["leads"]
    assert {"clientid", "project_cost", "deadline", "start_date"} <= crm["projects"]
    assert {"userid", "priority", "status", "subject", "message"} <= crm["tickets"]
    assert {"clientid", "duedate", "currency", "total", "number", "lines"} <= crm["invoices"]
    assert {"commodity_code", "description", "long_description", "group_id", "rate"} <= crm["products"]


def test_default_client_export_and_import():
    m = EntityMapping.from_config(
        EntityConfig(
            entity="clients", fields=tuple(default_fields("clients")), currency_mapping={"1": 1, "2": 3}
        )
    )
    crm = {
        "userid": 5,
        "customer_number": " C-1 ",
        "company": "Acme   Trading ",
        "vat": "RO123",
        "phonenumber": "0721",
        "state": "Cluj",
        "default_currency": 3,
    }
    payload = given(m.map_record(crm, to=Side.ERP))
    assert payload == {
        "customer_number": "C-1",
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
        {"subject": "Help", "priority": 4, "status": 1, "userid": 1}, to=Side.ERP, resolver=Links()
    )) == {"subject": "Help", "priority": "urgent", "status": "open", "client_id": 101}
    assert given(tickets.map_record(
        {"subject": "Help", "priority": "high", "status": "closed", "client_id": None},
        to=Side.CRM,
        resolver=Links(),
    )) == {"subject": "Help", "priority": 3, "status": 5, "userid": 0}
    projects = EntityMapping("projects", parse_fields(default_fields("projects")), None)
    assert (
        projects.map_record(
            {"status": "on_hold", "name": "P", "client_id": 101}, to=Side.CRM, resolver=Links()
        )["status"]
        == 3
    )


def test_default_invoice_with_lines_and_product_prices():
    invoices = EntityMapping("invoices", parse_fields(default_fields("invoices")), {"1": 1, "2": 3})
    payload = invoices.map_record(
        {
            "number": 7,
            "clientid": 1,
            "date": "2024-02-01",
            "duedate": "01.03.2024",
            "currency": 3,
            "total": "25.00",
            "lines": [{"description": "Work", "qty": "2", "rate": "12.5"}],
        },
        to=Side.ERP,
        resolver=Links(),
    )
    assert [given(line) for line in payload["lines"]] == [
        {"description": "Work", "qty": Decimal("2"), "unit_price": Decimal("12.5")}]
    assert (payload["client_id"], payload["currency_id"], payload["number"]) == (101, 2, "7")
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
    assert crm == {"commodity_code": "A-1", "description": "Bolt", "group_id": 0, "rate": Decimal("4.20")}


@pytest.mark.parametrize("entity", WITH_DEFAULTS)
def test_default_crm_fields_are_columns_of_the_demo_crm(entity):
    from erpsync_gui.connectors.sql_presets import PERFEX
    from erpsync_gui.sandbox.demo_crm_schema import METADATA

    table = METADATA.tables[PERFEX[entity].table]
    children = {c.name: METADATA.tables[c.table] for c in PERFEX[entity].children}
    for row in default_fields(entity):
        if row["type"] == "lines":
            assert {sub["crm"] for sub in row["fields"]} <= set(children[row["crm"]].columns.keys())
        else:
            assert row["crm"] in table.columns, f"{entity}.{row['crm']}"


def test_default_lead_statuses_follow_the_demo_crm_rows():
    leads = EntityMapping("leads", parse_fields(default_fields("leads")), None)
    assert given(leads.map_record({"name": "N", "status": "lost"}, to=Side.CRM)) == {"name": "N", "status": 4}
    assert given(leads.map_record({"name": "N", "status": 1}, to=Side.ERP)) == {"name": "N", "status": "new"}
