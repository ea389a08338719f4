"""The Siagh connector against the fake Siagh server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from erpsync_gui.connectors.siagh import SiaghConnector
from erpsync_gui.errors import AuthError, ConfigError, MappingError, OutcomeUnknownError, PermanentError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.fakes.siagh import DUPLICATE_MOBILE, LOGIN, SiaghFake, md5_upper, split_pairs

PRE_INVOICE = {"codemarkazforush": "2", "codevaseteh": "31", "codesalemodel": "1"}


@pytest.fixture
def fake() -> Iterator[SiaghFake]:
    with SiaghFake() as server:
        yield server


@pytest.fixture
def make(fake):
    built: list[SiaghConnector] = []

    def build(password: str = "siagh-pass", **options) -> SiaghConnector:
        opts = {"username": fake.username, "pre_invoice": PRE_INVOICE, **options}
        endpoint = EndpointConfig(Side.ERP, "siagh", fake.url, auth="session", timeout=10, retries=0, options=opts)
        connector = SiaghConnector(endpoint, {"password": password})
        built.append(connector)
        return connector

    yield build
    for connector in built:
        connector.close()


def _contact_ctrl(fake: SiaghFake, index: int = -1) -> list[tuple[str, str]]:
    return split_pairs(fake.saves("2BFDA")[index]["ctrlValues"])


def test_login_sends_the_uppercase_md5_and_later_calls_the_bare_session_id(fake, make):
    connector = make()
    result = connector.check()
    assert result.ok and result.authenticated, result.message
    assert "fiscal year: 1404" in result.details and any("1404/09/04" in d for d in result.details)
    assert result.server_time is not None and result.server_time.date().isoformat() == "2025-11-25"

    list(connector.changes("clients", None, 50))
    login = next(body for method, path, _h, body in fake.requests if path == LOGIN)
    assert json.loads(login) == {"UserName": "مدیر سیستم", "Password": md5_upper("siagh-pass")}
    assert "siagh-pass" not in "".join(body for *_rest, body in fake.requests)
    api_call = [h for _m, path, h, _b in fake.requests if path != LOGIN][-1]
    assert api_call["Authorization"] in fake.sessions  # the raw SessionId: no "Bearer " in front


def test_a_wrong_password_is_an_auth_failure_the_check_reports(make):
    connector = make(password="wrong")
    result = connector.check()
    assert not result.ok and result.reachable and not result.authenticated
    assert "refused the login" in result.message
    with pytest.raises(AuthError):
        list(connector.changes("clients", None, 10))


def test_an_expired_session_is_logged_in_again_once(fake, make):
    fake.add_contact(Name="آزمون")
    connector = make()
    list(connector.changes("clients", None, 10))
    assert fake.logins == 1
    fake.expire_next = 1
    assert len(connector.get_many("clients", [str(c) for c in fake.contacts])) == 1
    assert fake.logins == 2
    fake.expire_next = 2  # the fresh session is refused too: no endless logging in
    with pytest.raises(AuthError):
        connector.get_many("clients", ["1"])
    assert fake.logins == 3


def test_contacts_come_in_pages_without_a_cursor_the_last_one_complete(fake, make):
    for n in range(7):
        fake.add_contact(Name=f"طرف حساب {n}", MobileNo=f"0935{n:07d}")
    pages = list(make(page_size_max=3).changes("clients", "ignored", 50))
    assert [len(p.records) for p in pages] == [3, 3, 1]
    assert [p.complete for p in pages] == [False, False, True]
    assert all(p.cursor is None for p in pages)
    assert {r.id for p in pages for r in p.records} == {str(c) for c in fake.contacts}


@pytest.mark.parametrize("name", ["علی کریمی کاشانی", "علي كريمي كاشاني"])  # Persian and Arabic ی / ک
def test_persian_text_round_trips_byte_exact_in_both_letter_forms(fake, make, name):
    connector = make()
    created = connector.create("clients", {"Name": name, "Address": "تهران، میدان ونک", "MobileNo": "09121112233"})
    stored = fake.contact(created.id)
    assert stored["Name"].encode("utf-8") == name.encode("utf-8")
    read = connector.get_many("clients", [created.id])[created.id]
    assert read.data["Name"] == name and read.data["Address"] == "تهران، میدان ونک"
    assert created.data["Name"] == name


def test_a_create_sends_the_whole_contact_form_as_siagh_does(fake, make):
    created = make().create("clients", {"Name": "مخاطب تست", "MobileNo": "09662523145", "TowardType": True,
                                        "IsActive": True})
    pairs = _contact_ctrl(fake)
    assert pairs[0] == ("NickName", "dbgrid1.#nickname#") and pairs[-1] == ("tmpid", "")
    values = dict(pairs)
    assert values["gn_web_users.fullname"] == "مخاطب تست"
    assert values["gn_web_users.taraftype"] == "1" and values["gn_web_users.isactive"] == "1"
    assert values["gn_web_users.email"] == ""  # every column, empty when not given
    body = fake.saves("2BFDA")[-1]
    assert body["parameters"] == "CodeMain=" and body["dataRows"] == "[]" and body["postCode"] == "1110"
    assert created.id == str(max(fake.contacts)) and created.data["Code"] == int(created.id)


def test_an_update_names_the_contact_twice_and_keeps_what_it_does_not_change(fake, make):
    code = fake.add_contact(Name="قدیمی", MobileNo="09120000001", Email="a@example.com", CityCode=21)
    connector = make()
    connector.get_many("clients", [str(code)])
    updated = connector.update("clients", str(code), {"Name": "ویرایش شده"})
    pairs = _contact_ctrl(fake)
    assert pairs[0] == ("Param1", str(code))
    assert fake.saves("2BFDA")[-1]["parameters"] == f"CodeMain={code}"
    stored = fake.contact(code)
    assert stored["Name"] == "ویرایش شده" and stored["Email"] == "a@example.com" and stored["CityCode"] == 21
    assert updated.data["Email"] == "a@example.com" and updated.id == str(code)


def test_refusals_come_in_http_200_and_carry_siaghs_own_words(fake, make):
    fake.add_contact(Name="اول", MobileNo="09125550000")
    with pytest.raises(PermanentError) as caught:
        make().create("clients", {"Name": "دوم", "MobileNo": "09125550000"})
    assert DUPLICATE_MOBILE in str(caught.value) and caught.value.status == 200


def test_a_value_with_a_pipe_is_refused_before_anything_is_sent(fake, make):
    connector = make()
    with pytest.raises(MappingError):
        connector.create("clients", {"Name": "الف|ب"})
    assert fake.saves("2BFDA") == []


def test_a_save_without_a_code_is_an_unknown_outcome(fake, make):
    fake.blank_return_code = True
    with pytest.raises(OutcomeUnknownError):
        make().create("clients", {"Name": "بی کد"})


def test_a_list_that_is_not_an_array_is_a_clear_error(fake, make):
    fake.broken_list = b'{"Message":"An error has occurred."}'
    with pytest.raises(PermanentError, match=r"malformed reply from Siagh for clients at .*GetAll"):
        list(make().changes("clients", None, 10))


def test_a_quote_with_two_lines_becomes_a_pre_invoice_with_the_right_rows(fake, make):
    customer = fake.add_contact(Name="شرکت بنیان گاز")
    lines = [{"codekala": "Product-1", "nameunit": "قطعه", "qty": 1, "price": 100000, "mabtakhfif": 0},
             {"codekala": "Product-2", "nameunit": "عدد", "qty": 3, "price": 25000, "mabtakhfif": 5000}]
    record = make().create("orders", {"codemoshtari": customer, "tozihat": "پیش فاکتور آزمون", "lines": lines})

    (saved,) = fake.pre_invoices
    assert record.data["number"] == str(saved["number"]) and record.id == str(saved["id"])
    assert saved["header"]["codemoshtari"] == str(customer) and saved["header"]["salmali"] == "1404"
    assert saved["header"]["hssanadstate"] == "8" and saved["header"]["codenoeesanad"] == "2"
    rows = saved["rows"]
    assert [(r["codekala"], r["nameunit"], r["qty"], r["price"], r["radif"]) for r in rows] == [
        ("Product-1", "قطعه", 1, 100000, "1"), ("Product-2", "عدد", 3, 25000, "2")]
    assert rows[1]["finalqty"] == 3 and rows[0]["vazn"] == "0" and rows[1]["mabtakhfif"] == 5000
    body = fake.saves("43D81")[0]
    assert isinstance(body["dataRows"], str) and json.loads(body["dataRows"])[0]["entity"] == "sl_rizsanad"
    assert body["parameters"].startswith("_In_EditKeys=|_In_Suid=")


def test_a_pre_invoice_without_its_sales_centre_is_refused_before_siaghs_script_fails(fake, make):
    customer = fake.add_contact(Name="مشتری")
    connector = make(pre_invoice={"codevaseteh": "31"})
    with pytest.raises(MappingError, match="codemarkazforush"):
        connector.create("orders", {"codemoshtari": customer, "lines": [{"codekala": "P", "qty": 1, "price": 5}]})
    assert fake.pre_invoices == [] and fake.saves("43D81") == []


def test_pre_invoices_cannot_be_listed_or_updated_and_say_so(fake, make):
    connector = make()
    assert list(connector.changes("orders", None, 10)) == []
    with pytest.raises(PermanentError, match="no update of pre-invoices"):
        connector.update("orders", "15459", {"tozihat": "x"})
    assert connector.get_many("orders", ["15459"])["15459"].data == {}


def test_options_are_checked_and_every_problem_named_by_its_path(fake):
    endpoint = EndpointConfig(Side.ERP, "siagh", fake.url, options={
        "username": "", "page_size": 10, "pre_invoice": {"codevaseteh": 31}, "verify": False})
    with pytest.raises(ConfigError) as caught:
        SiaghConnector(endpoint, {"password": "x"})
    text = str(caught.value)
    assert "username" in text and "page_size" in text and "pre_invoice.codevaseteh" in text
    assert "verify" not in text  # an HTTP option, read by the HTTP layer


def test_neither_the_password_nor_its_hash_nor_the_session_reach_the_debug_log(fake, caplog):
    import logging

    endpoint = EndpointConfig(Side.ERP, "siagh", fake.url, auth="session", timeout=10, retries=0, log_level="DEBUG",
                              options={"username": fake.username, "pre_invoice": PRE_INVOICE})
    connector = SiaghConnector(endpoint, {"password": "siagh-pass"})
    try:
        with caplog.at_level(logging.DEBUG):
            connector.create("clients", {"Name": "ثبت"})
    finally:
        connector.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "LoginUser" in text and "SaveFormData" in text
    for secret in ("siagh-pass", md5_upper("siagh-pass"), *fake.sessions):
        assert secret not in text
