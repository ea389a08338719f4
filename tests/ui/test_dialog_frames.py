"""The Preview and Value-map dialogs draw their lists without stray frame lines: with the app's stylesheet the
list's frame is one line of the frame colour all round, even at the corners where the header meets it (a
rounded frame let the header's square corners show over it)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from erpsync_gui.engine.types import Action, PlanItem, RunResult
from erpsync_gui.records import Direction, Record, Side
from erpsync_gui.ui.pages.preview_dialog import PreviewDialog
from erpsync_gui.ui.pages.value_map_dialog import ValueMapDialog

FRAME = QColor("#dde2e9")  # the light stylesheet's frame colour of lists and tables


def _plan() -> RunResult:
    items = tuple(PlanItem(Action.CREATE, Side.CRM, Record(str(n), {"company": f"Firma {n}"}), "new record")
                  for n in range(3))
    return RunResult(1, "clients", Direction.BOTH, "success", {"inserted": 3}, None, 0.1, True, items)


def _corners(view) -> list[QColor]:
    image = view.grab().toImage()
    right, bottom = image.width() - 1, image.height() - 1
    # one pixel in from each corner along the frame: the header's corner at the top, the viewport's below
    return [image.pixelColor(x, y) for x, y in ((0, 1), (right, 1), (1, 0), (right - 1, 0),
                                                   (0, bottom - 1), (right, bottom - 1))]


@pytest.mark.parametrize("which", ["preview", "value map"])
def test_the_lists_frame_is_whole_at_its_corners(qtbot, styled, which):
    if which == "preview":
        dialog = PreviewDialog(_plan(), None)
        view = dialog.tree
    else:
        dialog = ValueMapDialog("status ↔ status", {"1": "new"}, erp_choices=("new", "won"))
        view = dialog.table
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    colours = _corners(view)
    assert all(colour == FRAME for colour in colours), [c.name() for c in colours]
