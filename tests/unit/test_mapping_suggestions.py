"""The pairs offered for review: the unused fields of both sides paired by name with a reason, never the
product's own marker fields (under the names a profile gives them), never a pair turned down before."""

from __future__ import annotations

from erpsync_gui.mapping.suggestions import MARKER_FIELDS, marker_fields, reason_of, suggestions
from erpsync_gui.records import FieldInfo

CRM = [FieldInfo("phonenumber"), FieldInfo("zip"), FieldInfo("active", "number"), FieldInfo("origin_src"),
       FieldInfo("external_channel"), FieldInfo("company"), FieldInfo("datecreated", "datetime")]
ERP = [FieldInfo("phone"), FieldInfo("zip"), FieldInfo("active", "boolean"), FieldInfo("origin_src"),
       FieldInfo("external_channel"), FieldInfo("company"), FieldInfo("created_date", "datetime")]


def test_unused_fields_are_paired_with_their_reason_and_markers_left_out():
    offered = {(s.crm, s.erp): s for s in suggestions(CRM, ERP, ({"company"}, {"company"}))}
    assert ("company", "company") not in offered  # mapped already
    assert ("external_channel", "external_channel") not in offered
    assert offered[("zip", "zip")].reason == "same name" and offered[("zip", "zip")].likely
    assert offered[("phonenumber", "phone")].reason == "names that mean the same"
    assert offered[("active", "active")].reason == "same name; types differ: CRM number, ERP boolean"
    assert offered[("active", "active")].type == "number"
    assert ("origin_src", "origin_src") in offered  # not a marker by default


def test_a_profile_s_own_marker_names_are_left_out_too():
    markers = marker_fields({"origin_fields": ["origin_src", "origin_ch"], "txn_field": "txn"}, {})
    assert markers == MARKER_FIELDS | {"origin_src", "origin_ch", "txn"}
    offered = {(s.crm, s.erp) for s in suggestions(CRM, ERP, (set(), set()), markers=markers)}
    assert ("origin_src", "origin_src") not in offered and ("zip", "zip") in offered


def test_a_pair_turned_down_is_not_offered_again():
    offered = {(s.crm, s.erp) for s in suggestions(CRM, ERP, (set(), set()), rejected={("zip", "zip")})}
    assert ("zip", "zip") not in offered and ("phonenumber", "phone") in offered


def test_weaker_pairs_say_how_alike_the_names_are():
    pair = reason_of(FieldInfo("datecreated"), FieldInfo("created_date"), 0.6)
    assert pair == "similar names (80 % alike)"
