"""Every page by keyboard, as a Windows admin works: Tab reaches each control of the page in reading order
(top to bottom, left to right within a group), and every button that shows only an icon says what it does in
a tooltip."""

from __future__ import annotations

from itertools import pairwise

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from erpsync_gui.ui.main_window import PAGES, MainWindow
from tests.ui._helpers import settle

_INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox, QPlainTextEdit)


@pytest.fixture
def window(qtbot, ui_ctx):
    ui_ctx.service.sync("clients", profile_name="demo")
    win = MainWindow(ui_ctx)
    qtbot.addWidget(win)
    win.resize(1366, 697)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def _reachable(page: QWidget) -> list[QWidget]:
    """The page's controls a person can Tab to: shown, enabled, taking focus by Tab."""
    found = []
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, _INTERACTIVE) or not widget.isVisibleTo(page) or not widget.isEnabled():
            continue
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus != Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(widget.parent(), QAbstractSpinBox | QComboBox):  # their own line edit
            continue
        if widget.focusProxy() is not None:
            continue
        found.append(widget)
    return found


def _tab_chain(page: QWidget, start: QWidget) -> list[QWidget]:
    start.setFocus(Qt.FocusReason.TabFocusReason)
    chain = [start]
    for _ in range(300):
        current = QApplication.focusWidget()
        QTest.keyClick(current, Qt.Key.Key_Tab)
        after = QApplication.focusWidget()
        while after is not None and after.focusProxy() is not None:
            after = after.focusProxy()
        if after is None or after is start or after in chain or not page.isAncestorOf(after):
            break
        chain.append(after)
    return chain


def _before(page: QWidget, a: QWidget, b: QWidget) -> bool:
    """Whether b comes after a in reading order, for two controls of one group."""
    ta, tb = a.mapTo(page, a.rect().topLeft()), b.mapTo(page, b.rect().topLeft())
    same_line = abs(ta.y() - tb.y()) <= min(a.height(), b.height()) // 2
    return tb.x() > ta.x() if same_line else tb.y() > ta.y()


@pytest.mark.parametrize("title", [page.title for page in PAGES])
def test_tab_reaches_every_control_in_reading_order(qtbot, window, title):
    index = [page.title for page in PAGES].index(title)
    window.show_page(index)
    settle(qtbot)
    page = window.pages[index]
    controls = _reachable(page)
    assert controls, f"{title} has no control to Tab to"
    first = page.nextInFocusChain()  # the page's own first control in the window's Tab order
    while first not in controls and first is not page:
        first = first.nextInFocusChain()
    chain = _tab_chain(page, first)
    missed = [f"{type(w).__name__} {w.objectName() or w.accessibleName() or getattr(w, 'text', lambda: '')()}"
              for w in controls if w not in chain and not any(w.isAncestorOf(c) for c in chain)]
    assert not missed, f"Tab never reaches on {title}: {missed}"
    backwards = [(type(a).__name__, type(b).__name__) for a, b in pairwise(chain)
                 if a.parent() is b.parent() and not _before(page, a, b)]
    assert not backwards, f"Tab goes back up on {title}: {backwards}"


@pytest.mark.parametrize("title", [page.title for page in PAGES])
def test_buttons_with_only_an_icon_have_a_tooltip(qtbot, window, title):
    index = [page.title for page in PAGES].index(title)
    window.show_page(index)
    settle(qtbot)
    silent = [b for b in window.pages[index].findChildren(QAbstractButton)
              if b.isVisibleTo(window.pages[index]) and not b.text().strip() and not b.icon().isNull()
              and not b.toolTip()]
    assert not silent, [b.objectName() for b in silent]
