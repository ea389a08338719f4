"""Proposing a lookup value map from both sides' lists."""

from __future__ import annotations

from erpsync_gui.mapping.value_fill import folded, names_of, propose_value_map


def test_names_fold_diacritics_case_and_spacing() -> None:
    assert folded("  IAȘI ") == folded("Iasi") == "iasi"
    assert names_of("Brașov (BV)") == {"brasov (bv)", "brasov", "bv"}


def test_each_erp_value_pairs_with_the_one_crm_row_it_names() -> None:
    crm = {"1": "Brașov (BV)", "2": "Iasi", "3": "Timiș (TM)", "4": "Sibiu"}
    assert propose_value_map(crm, ["BV", "Iași", "Timiș", "Cluj", "BV"]) == {"1": "BV", "2": "Iași", "3": "Timiș"}


def test_an_ambiguous_name_is_left_for_a_person() -> None:
    # two rows named alike, and one row two values name: neither is guessed
    crm = {"1": "Sânmartin", "2": "Sanmartin", "3": "Bistrița (BN)"}
    assert propose_value_map(crm, ["Sânmartin", "BN", "Bistrita"]) == {}


def test_the_pairs_so_far_stay_and_are_not_proposed_again() -> None:
    crm = {"1": "Brașov (BV)", "2": "Iasi"}
    assert propose_value_map(crm, ["BV", "Iași"], keep={"1": "Brasov-vechi", "9": "Iași"}) == {
        "1": "Brasov-vechi", "9": "Iași"}
