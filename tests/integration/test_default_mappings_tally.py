"""Tally Prime with Zoho CRM, set up exactly as the connection wizard saves the pair (the two kinds' presets
composed, nothing edited by hand), against the two systems' fakes."""

from __future__ import annotations

from contextlib import closing

from erpsync_gui.connectors.tally import TallyConnector
from erpsync_gui.connectors.zoho import ZohoConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.default_mappings_kit import Runner, wizard_profile, zoho_endpoint
from tests.fakes.tally import TallyFake
from tests.fakes.zoho import ZohoFake


def _tally_endpoint(tally: TallyFake) -> EndpointConfig:
    return EndpointConfig(Side.ERP, "tally", tally.url, options={"company": tally.company.name})


def test_zoho_crm_and_tally_sync_clients_both_ways(store) -> None:
    with ZohoFake() as zoho, TallyFake() as tally:
        both = zoho.add("Accounts", Account_Name="Krishna Stores", Billing_Code="600001")
        tally.add_master("LEDGER", "Krishna Stores", PARENT="Sundry Debtors", PINCODE="600001")
        zoho.add("Accounts", Account_Name="Made in Zoho", Phone="+914422334455", Billing_City="Chennai",
                 Billing_Street="12 Anna Salai", Billing_State="Tamil Nadu", Billing_Code="600002",
                 Billing_Country="India")
        tally.add_master("LEDGER", "Made in Tally", PARENT="North Zone Debtors", LEDGERPHONE="+911123456789",
                         ADDRESS=["4 Chandni Chowk", "Delhi"], PINCODE="110006", LEDSTATENAME="Delhi")
        crm_endpoint, crm_secrets = zoho_endpoint(zoho)
        profile = wizard_profile("zoho-tally", crm_endpoint, _tally_endpoint(tally), {"clients": None})
        with closing(ZohoConnector(profile.crm, crm_secrets)) as crm, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, crm, erp)
            first = runner.run("clients")
            accounts = {a["Account_Name"]: a for a in zoho.records("Accounts")}
            ledgers = {ledger["NAME"]: ledger for ledger in tally.masters("LEDGER")}
            # the two records a person made on both sides are one pair, not two copies
            assert sorted(accounts) == ["Krishna Stores", "Made in Tally", "Made in Zoho"]
            assert {"Krishna Stores", "Made in Tally", "Made in Zoho"} <= set(ledgers)
            assert first.counts["inserted"] == 2, first.counts
            made = ledgers["Made in Zoho"]
            assert made["PARENT"] == "Sundry Debtors"
            assert (made["LEDGERPHONE"], made["PINCODE"], made["LEDSTATENAME"], made["COUNTRYNAME"]) == (
                "+914422334455", "600002", "Tamil Nadu", "India")
            assert made["ADDRESS"] == ["12 Anna Salai"]
            came = accounts["Made in Tally"]
            assert (came["Phone"], came["Billing_Code"], came["Billing_State"]) == ("+911123456789", "110006",
                                                                                     "Delhi")
            assert came["Billing_Street"] == "4 Chandni Chowk\nDelhi"
            runner.settled("clients")

            zoho.edit("Accounts", both, Phone="+914400000001")
            tally.edit("LEDGER", "Made in Tally", PINCODE="110007")
            runner.run("clients")
            assert tally.get("LEDGER", "Krishna Stores")["LEDGERPHONE"] == "+914400000001"
            assert zoho.record("Accounts", came["id"])["Billing_Code"] == "110007"
            runner.settled("clients")

            # both sides change one field of one client: the wizard's policy for clients is that the CRM wins
            zoho.edit("Accounts", both, Billing_Code="600010")
            tally.edit("LEDGER", "Krishna Stores", PINCODE="600020")
            runner.run("clients")
            assert tally.get("LEDGER", "Krishna Stores")["PINCODE"] == "600010"
            assert zoho.record("Accounts", both)["Billing_Code"] == "600010"
            runner.settled("clients")
