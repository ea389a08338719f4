"""The named connectors the fault suite runs against their fakes: how each fake starts, how a person adds a
customer in it, and which of its fields carry the customer number, the company and the city."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from erpsync_gui.records import Side
from tests.fakes.payamgostar import PayamgostarFake
from tests.fakes.quickbooks import QuickBooksFake
from tests.fakes.sap_b1 import COMPANY, PASSWORD, USER, SapB1Fake
from tests.fakes.siagh import SiaghFake
from tests.fakes.tally import TallyFake
from tests.fakes.zoho import ZohoFake
from tests.reliability.connectors import Case, Live


@contextlib.contextmanager
def _zoho() -> Iterator[Live]:
    with ZohoFake(("us",), home_dc="us") as fake:
        refresh = "1000.proof-refresh"
        fake.state.refresh_tokens[refresh] = "us"
        yield Live(
            fake.api_url("us"),
            {"client_id": fake.state.client_id, "accounts_server": fake.accounts_url("us"),
             "scopes": ["ZohoCRM.modules.ALL"]},
            {"client_secret": fake.state.client_secret},
            lambda number, company: fake.add("Accounts", Account_Number=number, Account_Name=company,
                                             Billing_City="Köln"),
            lambda: [r.get("Account_Number") for r in fake.records("Accounts")],
            url_option="api_domain",
            keyring={"refresh_token": refresh, "client_secret": fake.state.client_secret})


@contextlib.contextmanager
def _quickbooks() -> Iterator[Live]:
    with QuickBooksFake() as fake:
        refresh = "AB-proof-refresh"
        fake.state.refresh_tokens[refresh] = fake.state.clock() + 86400
        yield Live(
            fake.url,
            {"client_id": fake.state.client_id, "token_url": fake.token_url, "authorize_url": fake.authorize_url,
             "realm_id": fake.state.realm_id},
            {"client_secret": fake.state.client_secret},
            lambda number, company: fake.add("Customer", DisplayName=number, CompanyName=company,
                                             BillAddr={"City": "Austin"}, Active=True),
            lambda: [r.get("DisplayName") for r in fake.all("Customer")],
            keyring={"refresh_token": refresh, "client_secret": fake.state.client_secret})


@contextlib.contextmanager
def _sap_b1() -> Iterator[Live]:
    with SapB1Fake(tls=False) as fake:
        yield Live(
            fake.url("v2"), {"username": USER, "company_db": COMPANY, "timezone": "Europe/Berlin"},
            {"password": PASSWORD},
            lambda number, company: fake.add("BusinessPartners", {"CardCode": number, "CardName": company,
                                                                  "CardType": "cCustomer", "City": "Berlin"}),
            lambda: [r["CardCode"] for r in fake.records("BusinessPartners") if r.get("CardType") == "cCustomer"])


@contextlib.contextmanager
def _tally() -> Iterator[Live]:
    with TallyFake() as fake:
        yield Live(
            fake.url, {"company": fake.company.name}, {},
            lambda number, company: fake.add_master("LEDGER", number, PARENT="Sundry Debtors", LEDGERCONTACT=company,
                                                    ADDRESS="Pune"),
            lambda: [r["NAME"] for r in fake.masters("LEDGER") if r.get("PARENT") == "Sundry Debtors"])


@contextlib.contextmanager
def _payamgostar() -> Iterator[Live]:
    fake = PayamgostarFake().start()
    try:
        yield Live(
            fake.url, {"username": fake.username}, {"password": fake.password},
            lambda number, company: fake.add_organization(customerNumber=number, nickName=company),
            lambda: [r.get("customerNumber") for r in list(fake.identities.values())])
    finally:
        fake.stop()


@contextlib.contextmanager
def _siagh() -> Iterator[Live]:
    fake = SiaghFake().start()
    try:
        yield Live(
            fake.url, {"username": fake.username}, {"password": fake.password},
            lambda number, company: fake.add_contact(NationalCode=number, Name=company, Address="تهران"),
            lambda: [r.get("NationalCode") for r in list(fake.contacts.values())])
    finally:
        fake.stop()


CASES = (
    Case("Zoho CRM", "zoho", Side.CRM, "Account_Number", "Account_Name", "Billing_City", _zoho, auth="oauth2",
         entity_name="Accounts"),
    Case("QuickBooks Online", "quickbooks", Side.ERP, "DisplayName", "CompanyName", "BillAddr.City", _quickbooks,
         auth="oauth2", entity_name="Customer"),
    Case("SAP B1", "sap_b1", Side.ERP, "CardCode", "CardName", "City", _sap_b1, auth="session", spared=("/Login",)),
    Case("Tally", "tally", Side.ERP, "NAME", "LEDGERCONTACT", "ADDRESS", _tally),
    Case("Payamgostar", "payamgostar", Side.CRM, "customerNumber", "nickName", None, _payamgostar, auth="session",
         spared=("auth/login",)),
    Case("Siagh", "siagh", Side.ERP, "NationalCode", "Name", "Address", _siagh, auth="session",
         spared=("LoginUser",)),
)
