"""The words of a profile's problems, whole: the path a person finds in the file, the value as quoted, and what
is allowed. Each line below is what the person reads, so a changed word is a changed product."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, create_model, model_validator

from erpsync_gui.app.config_file import ProfileFileError, profile_from_dict
from erpsync_gui.config.problems import problems_of, shown


def _minimal(**extra: Any) -> dict:
    doc = {"name": "acme", "crm": {"kind": "sql", "url": "sqlite:///crm.db"},
           "erp": {"kind": "rest", "url": "https://erp.example/api"}}
    doc.update(extra)
    return doc


def _erp(**endpoint: Any) -> dict:
    return {"erp": {"kind": "rest", "url": "https://e/", **endpoint}}


def _problems(doc: dict) -> list[str]:
    with pytest.raises(ProfileFileError) as info:
        profile_from_dict(doc)
    return list(info.value.problems)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"erp": {"url": "https://e/"}}, "erp: 'kind' is required"),
        (_erp(auth="kerberos"), "erp.auth: 'kerberos' is not one of 'bearer', 'api_key', 'basic', 'oauth2', "
                                "'client_credentials', 'session', 'client_cert' or 'none'"),
        (_erp(options={"paging": "sideways"}), "erp.options.paging: 'sideways' is not one of 'page', 'offset' or "
                                               "'cursor'"),
        (_erp(tls=1), "erp.tls: unknown key; known keys: url, batch_size, timeout, retries, log_level, "
                      "clock_offset_s, kind, auth, options"),
        # a described field that wants a table or a list says so, not its description
        ({"crm": {"kind": "sql", "url": "sqlite:///crm.db", "options": {"webhook": 5}}},
         "crm.options.webhook: 5 is not a table"),
        ({"entities": {"clients": {"match_keys": 5}}}, "entities.clients.match_keys: 5 is not a list"),
        (_erp(options={"rate_limits": {"max_wait": "x"}}),
         "erp.options.rate_limits.max_wait: 'x' is not the longest wait for a slot in seconds from 0 to 3600"),
        (_erp(retries=2.5), "erp.retries: 2.5 is not a whole number of retries from 0 to 10"),
        ({"entities": {"clients": {"fields": ["a"]}}}, "entities.clients.fields[1]: 'a' is not a table"),
        ({"crm": "sql"}, "crm: 'sql' is not the CRM side"),
    ],
)
def test_a_problem_reads_in_full(change: dict, line: str) -> None:
    assert _problems(_minimal(**change)) == [line]


def test_a_kind_of_the_other_side_lists_the_kinds_this_side_takes() -> None:
    [line] = _problems(_minimal(erp={"kind": "zoho", "url": "https://www.zohoapis.eu"}))
    assert line.startswith("erp: kind 'zoho' cannot be this side; it takes 'quickbooks', 'rest', 'sap_b1', ")
    assert "'tryton'" in line and "'zoho'" not in line.removeprefix("erp: kind 'zoho'")


def test_the_checks_of_an_endpoint_name_the_sign_in_that_takes_an_option() -> None:
    assert _problems(_minimal(**_erp(auth="basic"))) == ["erp: user name and password needs options.username"]
    assert _problems(_minimal(**_erp(auth="bearer", options={"username": "u"}))) == [
        "erp: options.username is a setting of basic and session sign-in, not of bearer"]
    profile_from_dict(_minimal(**_erp(auth="basic", options={"username": "u"})))


def test_an_http_endpoint_takes_an_http_address_or_the_built_in_sandbox() -> None:
    assert profile_from_dict(_minimal(**_erp(url="sandbox://local"))).erp.url == "sandbox://local"
    assert profile_from_dict(_minimal(**_erp(url=" https://e/ "))).erp.url == "https://e/"
    for url in ("sandbox", "ftp://e/", "https:///x"):
        assert _problems(_minimal(**_erp(url=url))) == [f"erp.url: {url!r} is not an http:// or https:// URL "
                                                        "with a host"]


def test_a_long_value_is_cut_to_sixty_characters() -> None:
    assert shown("x" * 58) == "'" + "x" * 58 + "'"  # 60 characters with its quotes: whole
    assert shown("x" * 59) == "'" + "x" * 58 + "…"
    assert _problems(_minimal(**_erp(options={"paging": "x" * 80}))) == [
        "erp.options.paging: '" + "x" * 58 + "… is not one of 'page', 'offset' or 'cursor'"]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int


class _Doc(BaseModel):
    """Fields without descriptions: the problem says what kind of value is wanted."""

    model_config = ConfigDict(extra="forbid")
    count: int = 0
    ratio: float = 0.0
    either: int | list[int] | None = None
    when: datetime | None = None
    items: list[_Item] = []
    low: int = 0
    high: int = 0

    @model_validator(mode="after")
    def _ordered(self) -> _Doc:
        if self.low > self.high:
            raise ValueError("low is above high")
        return self


def _of(model: type[BaseModel], doc: dict, prefix: str = "") -> list[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(doc)
    return problems_of(info.value, model, prefix)


def test_a_value_of_the_wrong_kind_names_the_kind_wanted() -> None:
    assert _of(_Doc, {"count": "many", "ratio": "half", "items": [{"size": 1}, {"size": "big"}]}) == [
        "count: 'many' is not a whole number", "ratio: 'half' is not a number", "items[2].size: 'big' is not a "
        "whole number"]


def test_a_value_that_fits_none_of_the_forms_of_a_setting_is_one_problem() -> None:
    assert _of(_Doc, {"either": "x"}) == ["either: 'x' is not a value this setting takes"]


def test_another_problem_keeps_the_validators_words_from_a_small_letter() -> None:
    assert _of(_Doc, {"when": "soon"}) == [
        "when: 'soon': input should be a valid datetime or date, input is too short"]


def test_a_check_of_the_whole_document_is_its_own_words_without_a_path() -> None:
    assert _of(_Doc, {"low": 2, "high": 1}) == ["low is above high"]
    assert _of(_Doc, {"count": "many"}, prefix="crm") == ["crm.count: 'many' is not a whole number"]


@pytest.mark.parametrize(("fields", "tail"), [(16, ""), (17, " and 1 more"), (20, " and 4 more")])
def test_an_unknown_key_lists_sixteen_known_ones_and_counts_the_rest(fields: int, tail: str) -> None:
    model = create_model("Many", __config__=ConfigDict(extra="forbid"),
                         **{f"key{n:02d}": (int, 0) for n in range(fields)})  # type: ignore[call-overload]
    listed = ", ".join(f"key{n:02d}" for n in range(min(fields, 16)))
    assert _of(model, {"zzzz": 1}) == [f"zzzz: unknown key; known keys: {listed}{tail}"]
    assert _of(model, {"key05x": 1}) == ["key05x: unknown key; did you mean 'key05'?"]
