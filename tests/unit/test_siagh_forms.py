"""Siagh's SaveFormData fields and replies, without a server."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from erpsync_gui.connectors.siagh.forms import ctrl_values, form_value, read_reply
from erpsync_gui.errors import MappingError, PermanentError


def _reply(body) -> httpx.Response:
    return httpx.Response(200, json=body, request=httpx.Request("POST", "http://siagh.local/BpmsApi/SaveFormData"))


def test_values_are_written_as_the_form_expects_and_text_is_never_changed():
    assert [form_value(v, "f") for v in (True, False, None, 8407, Decimal("12.50"), 2.5, "كريم یزدی")] == [
        "1", "0", "", "8407", "12.5", "2.5", "كريم یزدی"]
    assert ctrl_values([("Param1", 8407), ("gn_web_users.fullname", "ویرایش شده"), ("gn_web_users.email", None)]) \
        == "Param1=8407|gn_web_users.fullname=ویرایش شده|gn_web_users.email="
    assert form_value("a=b", "f") == "a=b"  # split on the first "=" only
    with pytest.raises(MappingError):
        form_value("a|b", "gn_web_users.address")


def test_a_success_names_its_document_number_only_in_its_message():
    reply = read_reply(_reply({
        "Errors": [{"ErrorType": "ErrSuccs", "Description": "پیش فاکتور فروش با موفقیت به شماره 2488 ثبت گردید "
                                                             "خالص سند: 5,720,000", "ColName": ""}],
        "FinalMessages": ["پیش فاکتور فروش با موفقیت به شماره 2488 ثبت گردید"],
        "ReturnValue": True, "ReturnCode": "15459", "ReturnParams": "458640"}), "x")
    assert reply.saved and reply.return_code == "15459" and reply.document_number() == "2488"
    persian = read_reply(_reply({"Errors": [], "FinalMessages": ["ثبت به شماره ۲۴۸۹ انجام شد"],
                                 "ReturnValue": True, "ReturnCode": ""}), "x")
    assert persian.document_number() == "2489"


def test_errors_and_warnings_are_told_apart():
    warned = read_reply(_reply({"Errors": [{"ErrorType": "ErrWarning", "Description": "هشدار"}],
                                "ReturnValue": True, "ReturnCode": "5"}), "x")
    assert warned.saved and warned.warnings == ("هشدار",)
    failed = read_reply(_reply({"Errors": [{"ErrorType": "ErrError", "ColName": "Price",
                                            "Description": "قیمت ردیف 1 درست وارد نشده است"}],
                                "ReturnValue": False, "ReturnCode": ""}), "x")
    assert not failed.saved and failed.errors == ("Price: قیمت ردیف 1 درست وارد نشده است",)
    silent = read_reply(_reply({"Errors": [], "ReturnValue": False}), "x")
    assert not silent.saved


def test_a_reply_of_another_shape_is_malformed():
    with pytest.raises(PermanentError, match="malformed reply from Siagh for the new contact"):
        read_reply(_reply({"Message": "An error has occurred."}), "the new contact")

