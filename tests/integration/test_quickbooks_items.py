"""New QuickBooks Online Items against the fake QuickBooks over real HTTP: QuickBooks refuses an Item without
`Type` or, for a sales item, without its income account; the connector gives a new Item the endpoint's item type
and income account (else the company's matching Income account), and what a mapping sends itself stays."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from erpsync_gui.connectors.quickbooks import QuickBooksConnector
from erpsync_gui.errors import ConfigError, PermanentError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.fakes.quickbooks import QuickBooksFake

Make = Callable[..., QuickBooksConnector]


@pytest.fixture
def qbo() -> Iterator[QuickBooksFake]:
    with QuickBooksFake() as fake:
        yield fake


@pytest.fixture
def make(qbo: QuickBooksFake) -> Iterator[Make]:
    built: list[QuickBooksConnector] = []

    def build(**options: Any) -> QuickBooksConnector:
        token = f"AB-items-{len(built)}"
        qbo.state.refresh_tokens[token] = qbo.state.clock() + 86400
        endpoint = EndpointConfig(Side.ERP, "quickbooks", qbo.url, auth="oauth2", timeout=10, options={
            "client_id": qbo.state.client_id, "token_url": qbo.token_url, "authorize_url": qbo.authorize_url,
            "realm_id": qbo.state.realm_id, **options})
        connector = QuickBooksConnector(endpoint, {"client_secret": qbo.state.client_secret, "refresh_token": token})
        built.append(connector)
        return connector

    yield build
    for connector in built:
        connector.close()


def _post(qbo: QuickBooksFake, item: dict[str, Any]) -> dict[str, Any]:
    """An Item create sent straight to the fake, as a script of a person's own would send it."""
    qbo.state.access_tokens["direct"] = qbo.state.clock() + 3600
    reply = httpx.post(f"{qbo.url}/v3/company/{qbo.state.realm_id}/item", params={"minorversion": 75}, json=item,
                       headers={"Authorization": "Bearer direct"})
    return reply.json()


def _refused(reply: dict[str, Any]) -> tuple[str, str]:
    error = reply["Fault"]["Error"][0]
    return error["code"], error["element"]


def test_quickbooks_refuses_an_item_without_type_or_the_accounts_its_type_needs(qbo: QuickBooksFake) -> None:
    income = qbo.account_id("Services")
    assert _refused(_post(qbo, {"Name": "No type", "IncomeAccountRef": {"value": income}})) == ("2020", "Type")
    assert _refused(_post(qbo, {"Name": "Consulting", "Type": "Service"})) == ("2020", "IncomeAccountRef")
    assert _refused(_post(qbo, {"Name": "Bolts", "Type": "Inventory", "IncomeAccountRef": {"value": income}})
                    ) == ("6000", "")  # an Inventory item tracks its quantity
    assert _refused(_post(qbo, {"Name": "Bolts", "Type": "Inventory", "TrackQtyOnHand": True,
                                "IncomeAccountRef": {"value": income}})) == ("2020", "QtyOnHand")
    assert _refused(_post(qbo, {"Name": "Ghost", "Type": "Service", "IncomeAccountRef": {"value": "999"}})) == (
        "2500", "IncomeAccountRef")
    made = _post(qbo, {"Name": "Consulting", "Type": "Service", "IncomeAccountRef": {"value": income}})
    assert made["Item"]["Type"] == "Service"
    stocked = _post(qbo, {"Name": "Bolts", "Type": "Inventory", "TrackQtyOnHand": True, "QtyOnHand": 10,
                          "InvStartDate": "2026-01-01", "IncomeAccountRef": {"value": qbo.account_id(
                              "Sales of Product Income")}, "ExpenseAccountRef": {"value": qbo.account_id(
                              "Cost of Goods Sold")}, "AssetAccountRef": {"value": qbo.account_id("Inventory Asset")}})
    assert stocked["Item"]["QtyOnHand"] == 10


def test_a_new_item_gets_the_endpoint_type_and_the_income_account_of_that_type(qbo: QuickBooksFake,
                                                                               make: Make) -> None:
    goods = make().create("Item", {"Name": "Espresso beans", "UnitPrice": 18.5})
    assert (goods.data["Type"], goods.data["IncomeAccountRef.value"]) == (
        "NonInventory", qbo.account_id("Sales of Product Income"))
    services = make(item_type="Service").create_many("Item", [{"Name": "Barista course"}, {"Name": "Repair"}])
    assert [r.error for r in services] == [None, None]
    made = {i["Name"]: i for i in qbo.all("Item")}
    assert {(made[n]["Type"], made[n]["IncomeAccountRef"]["value"]) for n in ("Barista course", "Repair")} == {
        ("Service", qbo.account_id("Services"))}
    account_queries = [s for s in qbo.api_calls("query") if "FROM Account" in s.query.get("query", "")]
    assert len(account_queries) == 2  # once per connection, not once per item


def test_the_configured_income_account_and_what_the_mapping_sends_win(qbo: QuickBooksFake, make: Make) -> None:
    other = qbo.add("Account", Name="Workshop income", AccountType="Income", AccountSubType="OtherPrimaryIncome")
    connector = make(item_income_account=other)
    record = connector.create("Item", {"Name": "Workshop"})
    assert record.data["IncomeAccountRef.value"] == other
    mapped = connector.create("Item", {"Name": "Tuning", "Type": "Service",
                                       "IncomeAccountRef.value": qbo.account_id("Services")})
    assert (mapped.data["Type"], mapped.data["IncomeAccountRef.value"]) == ("Service", qbo.account_id("Services"))
    assert not [s for s in qbo.api_calls("query") if "FROM Account" in s.query.get("query", "")]
    # an update sends only what changed: the item keeps its type and account
    updated = connector.update("Item", record.id, {"UnitPrice": 30}, version=record.version)
    assert (updated.data["Type"], updated.data["UnitPrice"]) == ("NonInventory", 30)
    with pytest.raises(PermanentError, match="Invalid Reference Id"):
        make(item_income_account="999").create("Item", {"Name": "Nowhere"})


def test_a_company_without_an_income_account_is_a_clear_setting_to_make(qbo: QuickBooksFake, make: Make) -> None:
    for account in qbo.all("Account"):
        if account["AccountType"] == "Income":
            qbo.edit("Account", account["Id"], Active=False)
    with pytest.raises(ConfigError, match="no active Income account") as caught:
        make().create("Item", {"Name": "Espresso beans"})
    assert "item_income_account" in (caught.value.hint or "")
    assert qbo.all("Item") == []


def test_the_item_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="item_type"):
        QuickBooksConnector(EndpointConfig(Side.ERP, "quickbooks", "https://quickbooks.example", auth="oauth2",
                                           options={"realm_id": "1", "item_type": "Inventory"}), {})
    with pytest.raises(ConfigError, match="item_income_account"):
        QuickBooksConnector(EndpointConfig(Side.ERP, "quickbooks", "https://quickbooks.example", auth="oauth2",
                                           options={"realm_id": "1", "item_income_account": "Sales"}), {})
