"""The Payamgostar connector against the fake Payamgostar CRM over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from erpsync_gui.connectors.payamgostar import PayamgostarConnector
from erpsync_gui.connectors.payamgostar.auth import PayamgostarAuth
from erpsync_gui.errors import AuthError, ConfigError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.fakes.payamgostar import PayamgostarFake


@pytest.fixture
def fake() -> Iterator[PayamgostarFake]:
    with PayamgostarFake() as server:
        yield server


@pytest.fixture
def make(fake):
    built: list[PayamgostarConnector] = []

    def build(password: str = "pg-pass", **options) -> PayamgostarConnector:
        endpoint = EndpointConfig(Side.CRM, "payamgostar", fake.url, auth="session", timeout=10, retries=0,
                                  options={"username": fake.username, **options})
        connector = PayamgostarConnector(endpoint, {"password": password})
        built.append(connector)
        return connector

    yield build
    for connector in built:
        connector.close()


def _ids(pages) -> list[str]:
    return [r.id for p in pages for r in p.records]


def test_login_gives_a_bearer_token_that_is_reused_and_renewed_after_a_401(fake, make):
    fake.add_person(nickName="علی")
    connector = make()
    list(connector.changes("clients", None, 50))
    list(connector.changes("clients", None, 50))
    assert fake.logins == 1
    assert fake.login_bodies == [{"username": "api-user", "password": "pg-pass", "deviceId": "ERPSync",
                                  "platformType": 1}]
    fake.expire_tokens()
    assert len(_ids(connector.changes("clients", None, 50))) == 1
    assert fake.logins == 2


def test_a_token_is_renewed_shortly_before_it_expires_without_waiting_for_a_401(fake):
    clock = [1000.0]
    auth = PayamgostarAuth(fake.url, fake.username, fake.password, device_id="d", platform_type=1,
                           margin_s=300, clock=lambda: clock[0])
    body = {"pageNumber": 0, "pageSize": 10, "searchTerm": ""}
    with httpx.Client(base_url=fake.url, auth=auth, timeout=10) as client:
        assert client.post("api/v2/crmobject/identity/search", json=body).status_code == 200
        clock[0] += 7200 - 301  # the fake's tokens live 2 hours, as the real ones did
        assert client.post("api/v2/crmobject/identity/search", json=body).status_code == 200
        assert fake.logins == 1
        clock[0] += 2
        assert client.post("api/v2/crmobject/identity/search", json=body).status_code == 200
        assert fake.logins == 2


def test_wrong_credentials_are_an_auth_failure(make):
    connector = make(password="nope")
    result = connector.check()
    assert not result.ok and not result.authenticated and "refused the login" in result.message
    with pytest.raises(AuthError):
        list(connector.changes("clients", None, 10))


def test_identities_are_read_page_by_page_from_page_zero_persons_and_organizations(fake, make):
    people = [fake.add_person(nickName=f"شخص {n}") for n in range(5)]
    org = fake.add_organization(nickName="شرکت نمونه")
    pages = list(make(page_size=2).changes("clients", None, 50))
    assert _ids(pages) == [*people, org]
    searches = [body for path, body in fake.calls if path == "identity/search"]
    assert [(b["pageNumber"], b["identityType"]) for b in searches] == [(0, 1), (1, 1), (2, 1), (0, 2)]
    kinds = {r.id: r.data["identityType"] for p in pages for r in p.records}
    assert kinds[org] == 2 and kinds[people[0]] == 1
    assert pages[-1].complete and pages[-1].cursor


def test_local_times_without_offset_become_utc_by_the_endpoint_zone(fake, make):
    person = fake.add_person(nickName="زمان")
    fake.identities[person]["modifyDate"] = "2025-12-21T14:06:17.173"
    (record,) = make().get_many("clients", [person]).values()
    assert record.updated_at == datetime(2025, 12, 21, 10, 36, 17, 173000, tzinfo=UTC)


def test_the_cursor_lags_one_read_so_an_edit_during_a_read_is_not_skipped(fake, make):
    a, b, c = (fake.add_person(nickName=name) for name in ("الف", "ب", "پ"))
    connector = make(page_size=1)
    first = list(connector.changes("clients", None, 1))
    second = list(connector.changes("clients", first[-1].cursor, 1))
    assert _ids(second) == [a, b, c]  # the boundary starts one read behind
    cursor = second[-1].cursor

    third = connector.changes("clients", cursor, 1)
    seen = [r.id for r in next(third).records]
    fake.edit(a, nickName="الف ویرایش")  # a was already read in this pass
    fake.edit(c, nickName="پ ویرایش")  # c is read later in this pass, with a newer time than a's edit
    pages = [*[next(third)], *third]
    seen += _ids(pages)
    assert c in seen

    fourth = list(connector.changes("clients", pages[-1].cursor, 1))
    assert a in _ids(fourth)  # caught by the next read, although c's edit is newer
    assert b not in _ids(fourth)  # unchanged since before the boundary: not handed on again


@pytest.mark.parametrize("name", ["علی کریمی", "علي كريمي"])  # Persian and Arabic ی / ک
def test_persian_names_round_trip_byte_exact_in_both_letter_forms(fake, make, name):
    connector = make()
    created = connector.create("clients", {"nickName": name, "firstName": name.split()[0],
                                           "addressContacts": [{"address": "اصفهان، خیابان چهارباغ"}]})
    assert fake.identity(created.id)["nickName"].encode("utf-8") == name.encode("utf-8")
    again = connector.get_many("clients", [created.id])[created.id]
    assert again.data["nickName"] == name
    assert again.data["addressContacts"][0]["address"] == "اصفهان، خیابان چهارباغ"


def test_a_create_carries_the_tenants_type_code_and_categories(fake, make):
    connector = make(person_type_code="PersonSiagh", categories=["syaghcontact"])
    created = connector.create("clients", {"nickName": "نو", "identityType": 1})
    body = next(b for path, b in fake.calls if path == "person/create")
    assert body["crmObjectTypeCode"] == "PersonSiagh" and body["categories"] == [{"key": "syaghcontact"}]
    assert "identityType" not in body and created.data["identityType"] == 1


def test_an_update_sends_the_whole_record_with_the_id(fake, make):
    org = fake.add_organization(nickName="قدیم", email="old@example.com", customerNumber="100-9407")
    updated = make().update("clients", org, {"nickName": "جدید"})
    body = next(b for path, b in fake.calls if path == "organization/update")
    assert body["id"] == org and body["email"] == "old@example.com" and body["nickName"] == "جدید"
    assert updated.data["customerNumber"] == "100-9407"


def test_an_identity_of_either_kind_is_found_by_id_and_by_customer_number(fake, make):
    org = fake.add_organization(nickName="سازمان", customerNumber="100-9407")
    fake.add_person(nickName="100-9407 نه", customerNumber="100-1")
    connector = make()
    assert list(connector.get_many("clients", [org, "missing-id"])) == [org]
    found = connector.find_by_keys("clients", "customerNumber", ["100-9407"])
    assert [r.id for r in found["100-9407"]] == [org]


def test_quotes_are_read_by_id_and_only_of_the_configured_types(fake, make):
    person = fake.add_person(nickName="خریدار")
    wanted = fake.add_quote(person, [{"productCode": "P-1", "unit": "عدد", "count": 2, "baseUnitPrice": 1000}])
    other = fake.add_quote(person, [{"productCode": "P-2", "unit": "قطعه", "count": 1, "baseUnitPrice": 5}],
                           type_code="Productinvoice")
    connector = make(quote_type_codes=["PI_5"])
    found = connector.get_many("orders", [wanted, other])
    assert list(found) == [wanted]
    assert found[wanted].data["details"][0]["productUnitTypeName"] == "عدد"
    assert list(connector.changes("orders", None, 10)) == []


def test_the_check_lists_the_type_codes_found(fake, make):
    fake.add_person(nickName="الف")
    fake.add_organization(nickName="ب", crmObjectTypeCode="Org_Siagh")
    result = make().check()
    assert result.ok, result.message
    assert "crmObjectTypeCode values found: Org_Siagh (1), person (1)" in result.details
    assert any("organization_type_code" in line for line in result.details)


def test_options_are_checked_with_their_paths(fake):
    endpoint = EndpointConfig(Side.CRM, "payamgostar", fake.url, options={"username": "u", "page_size": 0,
                                                                         "webhook": {"port": 1}, "colour": 1})
    with pytest.raises(ConfigError) as caught:
        PayamgostarConnector(endpoint, {"password": "x"})
    assert "page_size" in str(caught.value) and "colour" in str(caught.value) and "webhook" not in str(caught.value)
