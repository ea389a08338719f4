"""The Mappings page against the demo profile: currency editor checks, field mapping validation before
save, a live preview of real sample records from the demo CRM and the sandbox ERP, and saving."""

from __future__ import annotations

import json

import pytest

from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Side
from erpsync_gui.ui.pages import mapping_model as cols
from erpsync_gui.ui.pages.mappings import MappingsPage
from erpsync_gui.ui.pages.value_map_dialog import ValueMapDialog


@pytest.fixture
def page(qtbot, ui_ctx) -> MappingsPage:
    page = MappingsPage(ui_ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000), \
            qtbot.waitSignal(page.currencies_loaded, timeout=30_000):
        page.refresh()
    return page


def _select(qtbot, page: MappingsPage, entity: str) -> None:
    if page.current == entity:
        return
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000):
        page.entity.setCurrentIndex(page.entity.findData(entity))


def test_currency_editor_round_trips_the_seed_json_form(page):
    editor = page.currencies
    editor.set_known(Side.ERP, None)
    editor.set_known(Side.CRM, None)
    editor.import_json('{"1": 1, "2": 3}')
    assert editor.pairs() == [("1", "1"), ("2", "3")]
    assert json.loads(editor.export_json()) == {"1": 1, "2": 3}
    assert editor.export_json() == '{"1": 1, "2": 3}'
    with pytest.raises(ConfigError):
        editor.import_json('{"1": 1, "2": 1}')  # two ERP currencies onto one CRM currency
    assert editor.pairs() == [("1", "1"), ("2", "3")]


def test_currency_editor_rejects_a_duplicate_and_an_unknown_id(page):
    editor = page.currencies
    assert set(editor.known[Side.ERP]) == {"1", "2", "3", "4"}  # read from the sandbox
    assert set(editor.known[Side.CRM]) >= {"1", "2"}  # read from the demo CRM database
    start = len(editor.pairs())
    editor.add_row("1", "2")
    assert any("already mapped" in p for p in editor.problems())
    assert not page.save_button.isEnabled() and not page.save()
    editor.set_cell(start, Side.ERP, "99")
    assert any("ERP currency 99 does not exist" in p for p in editor.problems())
    with pytest.raises(ConfigError):
        editor.mapping()
    editor.table.removeRow(start)
    editor.changed.emit()
    assert editor.problems() == []


def test_currency_editor_flags_a_pair_of_two_iso_codes_and_proposes_the_mapping_by_code(page):
    editor = page.currencies
    assert editor.propose_button.isEnabled()  # both lists were read
    editor.set_mapping({"1": 3, "3": 1})  # RON onto USD, USD onto RON
    warnings = editor.warnings()
    assert len(warnings) == 2 and "amounts in RON would be written as USD" in warnings[0]
    assert not editor.warning.isHidden() and editor.problems() == []  # flagged, not refused
    assert editor.propose() == []  # every ERP currency has its CRM twin
    erp_codes = {c.id: c.code for c in editor.codes(Side.ERP)}
    crm_codes = {c.id: c.code for c in editor.codes(Side.CRM)}
    pairs = editor.mapping()
    assert set(pairs) == set(erp_codes) and all(erp_codes[e] == crm_codes[str(c)] for e, c in pairs.items())
    assert editor.warnings() == [] and editor.warning.isHidden()


def test_a_proposal_names_the_erp_currencies_the_crm_lacks(page):
    editor = page.currencies
    editor.set_known(Side.CRM, {"7": "EUR Euro"})
    notes = editor.propose()
    assert editor.pairs() == [("2", "7")]
    assert len(notes) == 3 and all("has no CRM currency with that code" in n for n in notes)


def test_preview_shows_a_real_sample_record_both_ways(page, qtbot, ui_ctx):
    _select(qtbot, page, "projects")  # Perfex's project statuses are the same codes on every installation
    samples = page.samples["projects"]
    crm_record, erp_record = samples.records[Side.CRM], samples.records[Side.ERP]
    assert crm_record is not None and erp_record is not None
    page._refresh_preview()
    crm_rows = page.preview.tables[Side.CRM].texts()
    name_row = next(r for r in crm_rows if r[0] == "name → name")
    assert name_row[1] == crm_record.data["name"] and name_row[2] == crm_record.data["name"].strip()
    status_row = next(r for r in crm_rows if r[0] == "status → status")
    assert status_row[2] in {"not_started", "in_progress", "on_hold", "finished", "cancelled"}
    erp_rows = page.preview.tables[Side.ERP].texts()
    erp_status = next(r for r in erp_rows if r[0] == "status → status")
    assert erp_status[1] == erp_record.data["status"] and erp_status[2] in {"1", "2", "3", "4", "5"}
    assert f"#{crm_record.id}" in page.preview.tables[Side.CRM].title()


def test_field_mapping_is_validated_before_save(page, qtbot, ui_ctx):
    _select(qtbot, page, "projects")
    before = ui_ctx.service.profile("demo").entity("projects")
    row = page.model.add_row({"crm": "name", "erp": "title", "type": "text"})  # writes CRM name twice
    assert page.model.problems_of(row) and page.model.problems_of(1)
    assert "both write CRM field 'name'" in page.problems.text()
    assert not page.save_button.isEnabled()
    assert page.save() is False
    assert ui_ctx.service.profile("demo").entity("projects") == before

    page.model.remove_rows([row])
    status = next(i for i, r in enumerate(page.model.rows()) if r["crm"] == "status")
    page.model.setData(page.model.index(status, cols.TYPE), "picklist")
    page.model.set_value_map(status, {})
    assert "needs a value_map" in page.problems.text() and page.save() is False

    dialog = ValueMapDialog("status", {"1": "new"})
    qtbot.addWidget(dialog)
    dialog._append("1", "contacted")
    assert "listed twice" in dialog.problem.text()
    dialog.table.removeRow(1)
    dialog._append("2", "contacted")
    page.model.set_value_map(status, dialog.value_map())
    page.match_keys.setText("name, nonexistent")
    page.match_keys.textEdited.emit(page.match_keys.text())
    assert page.match_keys.property("invalid") is True and page.save() is False
    page.match_keys.setText("name")
    page.match_keys.textEdited.emit("name")
    assert page.save_button.isEnabled()
    assert page.save() is True
    saved = ui_ctx.service.profile("demo").entity("projects")
    assert saved.match_keys == ("name",)
    assert next(r for r in saved.fields if r["crm"] == "status")["value_map"] == {"1": "new", "2": "contacted"}


def test_auto_suggest_adds_name_pairs(page, qtbot):
    from PySide6.QtCore import Qt

    _select(qtbot, page, "clients")
    # the ERP's city also feeds the locality id: without both rows the ERP's city is free to pair again
    page.model.remove_rows([i for i, r in enumerate(page.model.rows()) if r["crm"] in ("city", "zip", "locality_id")])
    qtbot.mouseClick(page.suggest_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.review.add_button, Qt.MouseButton.LeftButton)
    crm_fields = [r["crm"] for r in page.model.rows()]
    assert "city" in crm_fields and "zip" in crm_fields
    pair = next(r for r in page.model.rows() if r["crm"] == "city")
    assert pair["erp"] == "city"


def _pick_in_cell(qtbot, page: MappingsPage, row: int, column: int, text: str) -> list[str]:
    """Double-click a row's choice cell, type `text` and Tab out, as a person does; the choices it offered."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox

    cell = page.model.index(row, column)
    page.table.scrollTo(cell)
    where = page.table.visualRect(cell).center()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    combo = page.table.findChild(QComboBox)
    assert combo is not None
    offered = [combo.itemText(i) for i in range(combo.count())]
    qtbot.keyClicks(combo, text)  # typing picks the entry, Tab leaves the cell and keeps it
    qtbot.keyClick(combo, Qt.Key.Key_Tab)
    return offered


def test_the_empty_value_rule_is_shown_and_chosen_per_row(page, qtbot, ui_ctx):
    from PySide6.QtCore import Qt

    _select(qtbot, page, "clients")
    city = next(i for i, r in enumerate(page.model.rows()) if r["crm"] == "city")
    cell = page.model.index(city, cols.EMPTY)
    assert cell.data() == "auto" and "keeps the value it has" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert _pick_in_cell(qtbot, page, city, cols.EMPTY, "omit") == list(cols.EMPTY_CHOICES)
    assert page.model.index(city, cols.EMPTY).data() == "omit"
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    saved = ui_ctx.service.profile("demo").entity("clients")
    assert next(r for r in saved.fields if r["crm"] == "city")["empty"] == "omit"


def test_the_merge_rule_of_a_field_both_sides_changed_is_chosen_per_row(page, qtbot, ui_ctx):
    from PySide6.QtCore import Qt

    _select(qtbot, page, "clients")
    phone = next(i for i, r in enumerate(page.model.rows()) if r["crm"] == "phonenumber")
    cell = page.model.index(phone, cols.MERGE)
    assert cell.data() == "entity" and "both sides changed" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert _pick_in_cell(qtbot, page, phone, cols.MERGE, "erp_wins") == list(cols.MERGE_CHOICES)
    assert page.model.index(phone, cols.MERGE).data() == "erp_wins"
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    saved = ui_ctx.service.profile("demo").entity("clients")
    assert next(r for r in saved.fields if r["crm"] == "phonenumber")["merge"] == "erp_wins"
    assert all("merge" not in r for r in saved.fields if r["crm"] != "phonenumber")  # "entity": no key


def test_the_merge_policy_and_its_rule_for_a_field_both_changed_are_one_choice(page, qtbot, ui_ctx):
    from PySide6.QtCore import Qt

    _select(qtbot, page, "clients")
    labels = [page.policy.itemText(i) for i in range(page.policy.count())]
    assert labels[:4] == ["CRM wins", "ERP wins", "Newest change wins", "Ask me (conflict queue)"]
    assert labels[4:] == ["Merge · else CRM wins", "Merge · else ERP wins", "Merge · else newest",
                          "Merge · else ask me"]
    page.policy.showPopup()  # open the list and click the entry, as a person does
    view = page.policy.view()
    item = view.model().index(labels.index("Merge · else ERP wins"), 0)
    view.scrollTo(item)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(item).center())
    qtbot.waitUntil(lambda: page.policy.currentText() == "Merge · else ERP wins", timeout=5_000)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    saved = ui_ctx.service.profile("demo").entity("clients")
    assert (saved.policy, saved.merge_fallback) == ("merge", "erp_wins")

    again = MappingsPage(ui_ctx)  # and a page opened afterwards shows the stored choice
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.samples_loaded, timeout=30_000):
        again.refresh()
    _select(qtbot, again, "clients")
    assert again.policy.currentText() == "Merge · else ERP wins"


def test_the_rial_sign_no_font_draws_is_spelled_out_not_a_box(page):
    from erpsync_gui.ui.fonts import drawable

    note = page.currencies.lists_note.text()
    labels = " ".join(page.currencies.known[Side.CRM].values())
    assert "IRR" in labels
    if not drawable("\ufdfc"):  # this machine has no font with the rial sign (DejaVu has none)
        assert "\ufdfc" not in labels and "\ufdfc" not in note
        assert "IRR (ریال)" in labels  # the sign's compatibility form, which the Arabic script fonts draw
    else:
        assert "\ufdfc" in labels


def test_the_value_map_offers_the_values_a_side_allows(page, qtbot):
    import dataclasses

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox

    from erpsync_gui.records import FieldInfo

    # projects map Perfex's fixed status numbers onto the ERP's status (leads keep theirs in a table of their own)
    _select(qtbot, page, "projects")
    samples = page.samples["projects"]
    erp_fields = tuple(dataclasses.replace(f, choices=("new", "won", "lost")) if f.name == "status" else f
                       for f in samples.fields[Side.ERP])
    page.samples["projects"] = dataclasses.replace(samples, fields={**samples.fields, Side.ERP: erp_fields})
    assert any(f.choices for f in erp_fields if isinstance(f, FieldInfo))
    row = next(r for r in range(page.model.rowCount()) if page.model.row(r).get("erp") == "status")
    opened: list[ValueMapDialog] = []
    original = ValueMapDialog.exec
    ValueMapDialog.exec = lambda self: opened.append(self) or 0  # the dialog stays open for the test to use
    try:
        page.table.selectRow(row)
        qtbot.mouseClick(page.value_map_button, Qt.MouseButton.LeftButton)
    finally:
        ValueMapDialog.exec = original
    dialog = opened[0]
    qtbot.addWidget(dialog)
    assert dialog.allowed.text() == "The ERP allows: new, won, lost" and not dialog.allowed.isHidden()
    dialog.show()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # a new row, its CRM cell being edited
    row = dialog.table.rowCount() - 1
    qtbot.keyClicks(dialog.table.focusWidget(), "zz-new")
    qtbot.keyClick(dialog.table.focusWidget(), Qt.Key.Key_Return)
    dialog.table.setCurrentCell(row, 1)
    dialog.table.editItem(dialog.table.item(row, 1))
    editor = dialog.table.findChild(QComboBox)
    assert editor is not None and [editor.itemText(i) for i in range(editor.count())] == ["new", "won", "lost"]
    editor.setCurrentIndex(editor.findText("won"))
    dialog.table.setCurrentCell(row, 0)  # leaving the cell writes the choice, as a click elsewhere does
    assert dialog.pairs()[row] == ("zz-new", "won")
    dialog.table.item(row, 1).setText("maybe")
    assert "the ERP does not list 'maybe'" in dialog.problem.text()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled() == (not dialog.problems())  # an unlisted value is a hint, not a refusal


def test_a_row_naming_a_column_the_crm_table_lacks_is_not_saved(page, qtbot, ui_ctx):
    from PySide6.QtCore import Qt

    _select(qtbot, page, "clients")
    before = ui_ctx.service.profile("demo").entity("clients")
    city = next(i for i, r in enumerate(page.model.rows()) if r["crm"] == "city")
    page.model.setData(page.model.index(city, cols.CRM), "cityy")  # a typo of a real column

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    assert f"row {city + 1}: the CRM has no field 'cityy' for clients" in page.problems.text()
    assert page.model.problems_of(city) and not page.save_button.isEnabled()
    assert ui_ctx.service.profile("demo").entity("clients") == before
    page.model.setData(page.model.index(city, cols.CRM), "city")
    assert page.problems.text() == ""


def test_at_150_percent_the_rows_being_edited_get_the_larger_share(qtbot, styled, ui_ctx):
    from erpsync_gui.ui.main_window import MainWindow
    from tests.ui._helpers import SCREENS, settle

    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(*SCREENS["1920x1080 at 150%"])
    window.show()
    mappings = next(p for p in window.pages if isinstance(p, MappingsPage))
    window.show_page(window.pages.index(mappings))
    settle(qtbot)
    table, preview = mappings.splitter.widget(0), mappings.splitter.widget(1)
    assert table.height() > preview.height()
    rows = mappings.table.viewport().height() // mappings.table.verticalHeader().defaultSectionSize()
    assert rows >= 5, rows


@pytest.mark.parametrize("screen", ["1366x768", "1920x1080 at 150%"])
def test_every_direction_and_policy_reads_whole_in_its_combo(qtbot, styled, ui_ctx, screen):
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    from erpsync_gui.ui.main_window import MainWindow
    from tests.ui._helpers import SCREENS, settle

    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(*SCREENS[screen])
    window.show()
    mappings = next(p for p in window.pages if isinstance(p, MappingsPage))
    window.show_page(window.pages.index(mappings))
    settle(qtbot)
    for combo in (mappings.direction, mappings.policy):
        texts = [combo.itemText(i) for i in range(combo.count())]
        assert "ERP → CRM only (import)" in texts or "Ask me (conflict queue)" in texts
        for index, text in enumerate(texts):
            combo.setCurrentIndex(index)
            option = QStyleOptionComboBox()
            combo.initStyleOption(option)
            field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                                 QStyle.SubControl.SC_ComboBoxEditField, combo)
            # the text as drawn: every glyph of it ("→" from a fallback font) inside the field beside the arrow
            assert combo.fontMetrics().boundingRect(text).width() <= field.width(), (screen, text, field.width())
        # nothing drawn over it: the keys beside it or on the line below
        keys = mappings.match_keys
        assert not QRect(combo.mapTo(mappings, QPoint(0, 0)), combo.size()).intersects(
            QRect(keys.mapTo(mappings, QPoint(0, 0)), keys.size()))
    assert mappings.match_keys.width() >= 190


def test_only_rows_whose_problems_changed_are_drawn_again():
    model = cols.FieldMappingModel([{"crm": f"f{i}", "erp": f"f{i}", "type": "text"} for i in range(6)])
    spans: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last, _roles=(): spans.append((first.row(), last.row())))
    model.set_problems(["row 3 (f2): no such field", "row 5 (f4): no such field"])
    assert spans == [(2, 4)] and model.problems_of(2) and model.problems_of(4) and not model.problems_of(3)
    model.set_problems(["row 3 (f2): no such field", "row 5 (f4): no such field"])
    assert spans == [(2, 4)]  # the same problems: nothing drawn again
    model.set_problems(["row 5 (f4): no such field"])
    assert spans[-1] == (2, 2) and not model.problems_of(2)


def test_the_preview_is_mapped_again_only_when_its_rows_or_samples_changed(page, qtbot, monkeypatch):
    mapped: list[str] = []
    update = page.preview.update_preview

    def counted(entity, *args):
        mapped.append(entity)
        return update(entity, *args)

    monkeypatch.setattr(page.preview, "update_preview", counted)
    page.validate()
    qtbot.wait(page._preview_timer.interval() * 2)
    assert mapped == []  # checked again, nothing changed: the tables stay as drawn
    name = next(i for i, r in enumerate(page.model.rows()) if r["crm"] == "name")
    page.model.setData(page.model.index(name, cols.TRANSFORM), "upper")
    qtbot.waitUntil(lambda: mapped == [page.current], timeout=5_000)
    crm_rows = page.preview.tables[Side.CRM].texts()
    record = page.samples[page.current].records[Side.CRM]
    assert next(r for r in crm_rows if r[0].startswith("name →"))[2] == str(record.data["name"]).strip().upper()
