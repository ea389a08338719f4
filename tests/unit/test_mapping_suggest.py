"""auto_suggest pairs fields by normalized name similarity."""

from __future__ import annotations

from erpsync_gui.mapping import auto_suggest
from erpsync_gui.mapping.suggest import normalize, similarity


def pairs(crm, erp):
    return {(c, e) for c, e, _ in auto_suggest(crm, erp)}


def test_names_are_normalized():
    assert normalize("companyName") == normalize("company_name") == normalize("Company Name") == "companyname"


def test_suggests_the_usual_pairs():
    crm = ["userid", "company", "phonenumber", "zip", "state", "vat", "firstname", "title", "lead_value"]
    erp = [
        "id",
        "company_name",
        "phone",
        "postal_code",
        "county",
        "vat_number",
        "first_name",
        "position",
        "value",
    ]
    assert pairs(crm, erp) == {
        ("company", "company_name"),
        ("phonenumber", "phone"),
        ("zip", "postal_code"),
        ("state", "county"),
        ("vat", "vat_number"),
        ("firstname", "first_name"),
        ("title", "position"),
        ("lead_value", "value"),
    }


def test_ids_are_skipped():
    assert auto_suggest(["userid", "id"], ["id", "userid", "user_id"]) == []


def test_each_field_is_used_once_and_the_best_match_wins():
    result = auto_suggest(["email", "email2"], ["email"])
    assert result == [("email", "email", 1.0)]


def test_scores_order_exact_over_synonym_over_containment():
    assert similarity("email", "email") == 1.0
    assert similarity("zip", "postal_code") == 0.9
    assert similarity("company", "company_name") == 0.9
    assert similarity("address", "address_line") == 0.8
    assert similarity("city", "currency") < 0.6


def test_unrelated_names_give_no_suggestion_and_order_follows_the_crm_list():
    assert auto_suggest(["website"], ["total"]) == []
    result = auto_suggest(["zip", "city", "email"], ["email", "city", "zipcode"])
    assert [c for c, _, _ in result] == ["zip", "city", "email"]
