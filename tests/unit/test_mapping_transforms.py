"""The fixed transform set: parsing, applying, and the way back toward the CRM."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erpsync_gui.mapping.transforms import Transform, apply, apply_all, parse_transform, toward_crm


def run(spec: str, value):
    return apply(parse_transform(spec), value)


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ("strip", "  Acme SRL \n", "Acme SRL"),
        ("lower", "ACME", "acme"),
        ("upper", "acme", "ACME"),
        ("title", "acme trading srl", "Acme Trading Srl"),
        ("collapse_spaces", "Acme   \t Trading", "Acme Trading"),
        ("digits_only", "+40 (721) 555-010", "40721555010"),
        ("remove_diacritics", "Știință Țară Brașov", "Stiinta Tara Brasov"),
        ("remove_diacritics", "Straße Øresund Łódź", "Strasse Oresund Lodz"),
        ("truncate:4", "Acme Trading", "Acme"),
        ("truncate:0", "Acme", ""),
        ("prefix:C-", "0012", "C-0012"),
        ("prefix:C-", "C-0012", "C-0012"),
        ("suffix:/RO", "12", "12/RO"),
        ("suffix:/RO", "12/RO", "12/RO"),
        ("replace:-:/", "2024-01-02", "2024/01/02"),
        ("replace:-:", "40-721", "40721"),
        ("replace:a:b:c", "xax", "xb:cx"),
        ("prefix:a:b", "x", "a:bx"),
        ("default_if_empty:n/a", "", "n/a"),
        ("default_if_empty:n/a", None, "n/a"),
        ("default_if_empty:n/a", "x", "x"),
    ],
)
def test_text_transforms(spec, value, expected):
    assert run(spec, value) == expected


def test_text_transforms_leave_none_alone():
    for spec in ("strip", "upper", "digits_only", "truncate:3", "prefix:X", "replace:a:b"):
        assert run(spec, None) is None


def test_text_transforms_read_non_text_values_as_text():
    assert run("prefix:P", 12) == "P12"


def test_round_rounds_half_up():
    assert run("round:2", Decimal("2.345")) == Decimal("2.35")
    assert run("round:0", "2.5") == Decimal("3")
    assert run("round:2", None) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("uper", "unknown transform 'uper'"),
        ("strip:1", "takes no argument"),
        ("truncate", "needs an argument"),
        ("truncate:x", "whole number"),
        ("round:-1", "whole number"),
        ("replace:onlyold", "OLD and NEW"),
        ("replace::x", "OLD and NEW"),
        ("prefix:", "non-empty"),
        ("", "not a transform name"),
        (3, "not a transform name"),
    ],
)
def test_parse_errors_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_transform(spec)


def test_transform_text_form_round_trips():
    for spec in ("strip", "truncate:4", "replace:a:b", "prefix:C-"):
        assert str(parse_transform(spec)) == spec


def test_toward_crm_keeps_case_and_spaces_and_undoes_prefix_suffix():
    to_erp = tuple(
        parse_transform(s)
        for s in (
            "strip",
            "prefix:C-",
            "suffix:/RO",
            "upper",
            "digits_only",
            "truncate:3",
            "remove_diacritics",
        )
    )
    back = toward_crm(to_erp)
    assert [t.name for t in back] == ["upper", "_remove_suffix", "_remove_prefix", "strip"]
    assert apply_all(to_erp[:4], " ab ") == "C-AB/RO"
    assert apply_all(back, "C-AB/RO") == "AB"


def test_removing_a_prefix_leaves_values_without_it():
    assert apply(Transform("_remove_prefix", ("C-",)), "X-1") == "X-1"
    assert apply(Transform("_remove_suffix", ("/RO",)), "1/HU") == "1/HU"
