"""A Perfex-style CRM and the real Tryton server, set up exactly as the connection wizard saves the pair (the
two kinds' presets composed, nothing edited): clients and invoices with lines arrive on the other side, and a
second run writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erpsync_gui.connectors.tryton import TrytonConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from tests.default_mappings_kit import PerfexCrm, Runner, wizard_profile
from tests.tryton_server import DATABASE

pytestmark = pytest.mark.tryton


def test_clients_and_invoices_sync_with_the_wizard_s_defaults(tmp_path, store, tryton, admin):
    crm = PerfexCrm(tmp_path)
    north = crm.add_client("Brasserie Nord", city="Gent", zip_code="9000", address="Veldstraat 1",
                           phone="+3291234567", vat="BE0123456789")
    crm.add_client("Atelier Sud", city="Namur", address="Rue Haute 2")
    number = crm.add_invoice(north, [("Consulting", "2", "150.00"), ("Travel", "1", "40.50")])
    admin.create("party.party", {"name": "Made in Tryton", "addresses": [["create", [{"city": "Liège"}]]]})
    endpoint = EndpointConfig(Side.ERP, "tryton", tryton.url, auth="session",
                              options={"database": DATABASE, "username": "admin"})
    profile = wizard_profile("tryton-defaults", crm.endpoint(), endpoint, {"clients": None, "invoices": None})
    erp = TrytonConnector(profile.erp, {"password": tryton.password})
    sql = crm.connector()
    try:
        runner = Runner(store, profile, sql, erp)
        runner.run("clients")
        parties = {p["name"]: p for p in admin.search_read(
            "party.party", [], ["name", "addresses", "contact_mechanisms"])}
        assert {"Brasserie Nord", "Atelier Sud"} <= set(parties)
        address = admin.read("party.address", parties["Brasserie Nord"]["addresses"], ["street", "city",
                                                                                      "postal_code"])[0]
        assert (address["street"], address["city"], address["postal_code"]) == ("Veldstraat 1", "Gent", "9000")
        assert "Made in Tryton" in {r["company"] for r in crm.rows(schema.CLIENTS)}
        runner.settled("clients")

        runner.run("invoices")
        invoice = admin.search_read("account.invoice", [("reference", "=", number)],
                                    ["party", "lines", "total_amount", "state"])[0]
        assert invoice["party"] == parties["Brasserie Nord"]["id"]
        lines = admin.read("account.invoice.line", invoice["lines"], ["description", "quantity", "unit_price"])
        assert sorted((line["description"], line["quantity"], line["unit_price"]) for line in lines) == [
            ("Consulting", 2.0, Decimal("150.00")), ("Travel", 1.0, Decimal("40.50"))]
        assert invoice["total_amount"] == Decimal("340.50")
        runner.settled("invoices")
    finally:
        erp.close()
        sql.close()
        crm.close()
