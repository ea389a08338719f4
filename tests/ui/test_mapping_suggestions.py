"""The Mappings page's review list of suggested pairs, clicked as an admin does: the pairs read from both
sides' field lists with the reason for each, never the product's own marker fields; the ticked ones become
rows (selected, in view), the rest are turned down and not offered again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from erpsync_gui.mapping.suggestions import MARKER_FIELDS
from erpsync_gui.records import Side
from erpsync_gui.ui.pages.mappings import MappingsPage

LEFT = Qt.MouseButton.LeftButton
DROPPED = ("city", "zip", "phonenumber", "website")


@pytest.fixture
def page(qtbot, ui_ctx) -> MappingsPage:
    page = MappingsPage(ui_ctx)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000):
        page.refresh()
    if page.current != "clients":
        with qtbot.waitSignal(page.samples_loaded, timeout=30_000):
            page.entity.setCurrentIndex(page.entity.findData("clients"))
    page.model.remove_rows([i for i, r in enumerate(page.model.rows()) if r["crm"] in DROPPED])
    return page


def _names(page: MappingsPage, side: Side) -> set[str]:
    return {f.name for f in page.samples["clients"].fields[side]}


def _tick(qtbot, page: MappingsPage, crm: str, ticked: bool) -> None:
    review = page.review
    row = review.row_of(crm)
    assert row >= 0, crm
    item = review.table.item(row, 0)
    if (item.checkState() == Qt.CheckState.Checked) != ticked:
        rect = review.table.visualItemRect(item)
        # the tick box sits at the cell's left edge
        qtbot.mouseClick(review.table.viewport(), LEFT, pos=QPoint(rect.left() + 12, rect.center().y()))
    assert (item.checkState() == Qt.CheckState.Checked) == ticked


def test_the_review_lists_pairs_with_their_reasons_and_no_marker_fields(qtbot, page):
    rows_before = page.model.rowCount()
    qtbot.mouseClick(page.suggest_button, LEFT)
    review = page.review
    assert review.isVisible() and page.model.rowCount() == rows_before  # nothing added without review
    offered = {(p.crm, p.erp): p for p in review.suggestions}
    assert ("zip", "zip") in offered and offered[("zip", "zip")].reason == "same name"
    assert offered[("phonenumber", "phone")].reason == "names that mean the same"
    assert review.table.item(review.row_of("zip"), 2).text() == offered[("zip", "zip")].reason
    # both sides have the origin marker's channel field, alike by name: still never offered
    assert "external_channel" in _names(page, Side.CRM) & _names(page, Side.ERP)
    assert not {name for pair in offered for name in pair} & MARKER_FIELDS
    likely = [p for p in review.suggestions if p.likely]
    assert review.ticked() == likely and f"({len(likely)} ticked)" in review.title.text()


def test_ticked_pairs_become_rows_in_view_and_the_unticked_are_not_offered_again(qtbot, page):
    qtbot.mouseClick(page.suggest_button, LEFT)
    _tick(qtbot, page, "zip", True)
    _tick(qtbot, page, "phonenumber", False)
    chosen = page.review.ticked()
    turned_down = [p for p in page.review.suggestions if p not in chosen]
    first_new = page.model.rowCount()
    qtbot.mouseClick(page.review.add_button, LEFT)

    assert not page.review.isVisible()
    added = page.model.rows()[first_new:]
    assert [(r["crm"], r["erp"]) for r in added] == [(p.crm, p.erp) for p in chosen]
    assert "phonenumber" not in {r["crm"] for r in added} and "zip" in {r["crm"] for r in added}
    selected = sorted(i.row() for i in page.table.selectionModel().selectedRows())
    assert selected == list(range(first_new, page.model.rowCount()))
    cell = page.table.visualRect(page.model.index(first_new, 0))
    assert page.table.viewport().rect().contains(cell.center())  # scrolled to what was added
    assert page.save_button.isEnabled()

    qtbot.mouseClick(page.suggest_button, LEFT)  # asked again: the turned-down pairs stay away
    again = {(p.crm, p.erp) for p in page.review.suggestions}
    assert not again & {(p.crm, p.erp) for p in turned_down}
    assert not again & {(p.crm, p.erp) for p in chosen}


def test_reject_all_adds_nothing(qtbot, page, ui_ctx):
    rows = page.model.rows()
    qtbot.mouseClick(page.suggest_button, LEFT)
    assert page.review.suggestions
    qtbot.mouseClick(page.review.reject_button, LEFT)
    assert page.model.rows() == rows and not page.review.isVisible()
    qtbot.mouseClick(page.suggest_button, LEFT)
    assert not page.review.isVisible() and page.message.text() == "No further pairs to suggest"
