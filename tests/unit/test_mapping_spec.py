"""Parsing and validating mapping rows: every problem reported at once, with row and field."""

from __future__ import annotations

import json

import pytest

from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping import FieldMap, MappingConfigError, parse_fields
from erpsync_gui.records import Direction, Side


def problems_of(rows) -> tuple[str, ...]:
    with pytest.raises(MappingConfigError) as info:
        parse_fields(rows)
    return info.value.problems


def test_a_valid_row_becomes_a_frozen_fieldmap():
    (f,) = parse_fields(
        [
            {
                "crm": "company",
                "erp": "name",
                "type": "text",
                "transform": ["strip", "truncate:40"],
                "required": True,
                "direction": "export",
            }
        ]
    )
    assert isinstance(f, FieldMap)
    assert (f.crm, f.erp, f.type, f.required, f.direction) == (
        "company",
        "name",
        "text",
        True,
        Direction.EXPORT,
    )
    assert [str(t) for t in f.transform] == ["strip", "truncate:40"]
    assert f.flows_to(Side.ERP) and not f.flows_to(Side.CRM)
    with pytest.raises(AttributeError):
        f.crm = "other"  # type: ignore[misc]


def test_type_defaults_to_text_and_direction_to_both():
    (f,) = parse_fields([{"crm": "a", "erp": "b"}])
    assert f.type == "text"
    assert f.direction is Direction.BOTH


def test_json_text_is_accepted():
    fields = parse_fields(json.dumps([{"crm": "a", "erp": "b", "type": "number"}]))
    assert fields[0].type == "number"


def test_invalid_json_names_line_and_column():
    with pytest.raises(ConfigError, match=r"mapping is not valid JSON: line 2 col 13"):
        parse_fields('[{"crm": "a",\n "erp": "b",,}]')


def test_not_a_list_is_refused():
    with pytest.raises(ConfigError, match="list of rows"):
        parse_fields({"crm": "a"})


def test_all_problems_are_listed_at_once_with_row_and_field():
    rows = [
        {"crm": "company", "erp": "name", "transform": ["uper"]},
        {"crm": "status", "erp": "status", "type": "picklist"},
        {"crm": "", "erp": "x"},
        {"crm": "total", "erp": "total", "type": "money"},
        "not a row",
        {"crm": "ok", "erp": "ok"},
    ]
    problems = problems_of(rows)
    assert len(problems) == 5
    assert problems[0].startswith("row 1 (company): transform: unknown transform 'uper'")
    assert problems[1].startswith("row 2 (status): type picklist needs a value_map")
    assert problems[2].startswith("row 3 (x): crm: '' is not a field name")
    assert problems[3].startswith("row 4 (total): type: 'money' is not one of 'text', 'number'")
    assert problems[4].startswith("row 5: must be an object")
    with pytest.raises(ConfigError) as info:
        parse_fields(rows)
    assert "has 5 problems" in str(info.value)
    assert "row 4 (total)" in str(info.value)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"crm": "a", "erp": "b", "tranform": ["strip"]}, "tranform: unknown key; did you mean 'transform'?"),
        ({"crm": "a", "erp": "b", "direction": "sideways"},
         "direction: 'sideways' is not one of 'both', 'export' or 'import'"),
        ({"crm": "a", "erp": "b", "transform": "strip"}, "transform: 'strip' is not a list"),
        ({"crm": "a", "erp": "b", "type": "number", "transform": ["upper"]}, "'upper' works on text"),
        ({"crm": "a", "erp": "b", "type": "text", "transform": ["round:2"]}, "'round' works on numbers"),
        ({"crm": "a", "erp": "b", "type": "lookup"}, "type lookup needs 'lookup'"),
        ({"crm": "a", "erp": "b", "lookup": "clients"}, "'lookup' only applies to type lookup"),
        ({"crm": "a", "erp": "b", "type": "price"}, "type price needs 'currency'"),
        ({"crm": "a", "erp": "b", "currency": 1}, "'currency' only applies to type price"),
        ({"crm": "a", "erp": "b", "type": "lines"}, "type lines needs 'fields'"),
        (
            {"crm": "a", "erp": "b", "fields": [{"crm": "x", "erp": "y"}]},
            "'fields' only applies to type lines",
        ),
        ({"crm": "a", "erp": "b", "required": "yes"}, "required: 'yes' is not true or false"),
        ({"crm": "a", "erp": "b", "default": [1]}, "default: [1] is not a single value"),
        ({"crm": "a", "erp": "b", "value_map": ["x"]}, "value_map: ['x'] is not a table"),
        ({"crm": "a", "erp": "b", "type": "currency", "value_map": {"1": "2"}}, "takes no value_map"),
    ],
)
def test_each_kind_of_problem(row, message):
    problems = problems_of([row])
    assert any(message in p for p in problems), problems


def test_ambiguous_value_map_inversion_is_refused():
    row = {"crm": "s", "erp": "s", "type": "picklist", "value_map": {"1": "open", "2": "open", "3": "closed"}}
    (problem,) = problems_of([row])
    assert "'1', '2' all to 'open'" in problem
    assert "value_map_to_crm" in problem


def test_ambiguous_value_map_is_fine_with_an_explicit_way_back_or_export_only():
    row = {"crm": "s", "erp": "s", "type": "picklist", "value_map": {"1": "open", "2": "open"}}
    (explicit,) = parse_fields([{**row, "value_map_to_crm": {"open": 1}}])
    assert dict(explicit.values(Side.CRM)) == {"open": 1}
    (export_only,) = parse_fields([{**row, "direction": "export"}])
    assert export_only.direction is Direction.EXPORT


def test_sub_rows_of_lines_are_checked_and_numbered():
    rows = [
        {
            "crm": "lines",
            "erp": "lines",
            "type": "lines",
            "fields": [
                {"crm": "qty", "erp": "qty", "type": "number"},
                {"crm": "rate", "erp": "x", "type": "nope"},
            ],
        }
    ]
    (problem,) = problems_of(rows)
    assert problem.startswith("row 1.2 (rate): type: 'nope' is not one of 'text', 'number'")


def test_two_rows_writing_one_field_are_refused():
    rows = [{"crm": "phone", "erp": "phone"}, {"crm": "mobile", "erp": "phone"}]
    (problem,) = problems_of(rows)
    assert problem == "rows 1 and 2 both write ERP field 'phone'"


def test_two_rows_reading_one_field_in_different_directions_are_fine():
    rows = [
        {"crm": "phone", "erp": "phone", "direction": "export"},
        {"crm": "phone", "erp": "mobile", "direction": "export"},
        {"crm": "phone2", "erp": "phone", "direction": "import"},
    ]
    assert len(parse_fields(rows)) == 3


def test_to_row_gives_back_equivalent_rows():
    rows = [
        {"crm": "company", "erp": "name", "transform": ["strip", "prefix:C-"], "required": True},
        {"crm": "status", "erp": "status", "type": "picklist", "value_map": {"1": "open"}, "default": 1},
        {"crm": "rate", "erp": "prices", "type": "price", "currency": 1, "transform": ["round:2"]},
        {"crm": "userid", "erp": "client_id", "type": "lookup", "lookup": "clients", "direction": "import"},
        {
            "crm": "lines",
            "erp": "items",
            "type": "lines",
            "fields": [{"crm": "qty", "erp": "q", "type": "number"}],
            "transform_to_crm": [],
        },
    ]
    fields = parse_fields(rows)
    assert parse_fields([f.to_row() for f in fields]) == fields
    assert json.loads(json.dumps([f.to_row() for f in fields]))[2]["currency"] == 1
