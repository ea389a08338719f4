"""Light or dark as the OS says: when Qt reports the OS colour scheme changed, the app takes that scheme's
stylesheet, a matching palette, icon tints and state colours, and the pages follow."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from erpsync_gui.ui import icons, theme
from erpsync_gui.ui.app import load_style
from erpsync_gui.ui.pages.dashboard import DashboardPage
from tests.ui._helpers import settle


@pytest.fixture
def app(qapp):
    load_style(qapp)
    yield qapp
    theme.apply(qapp, theme.LIGHT)
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())


def _lightness(app: QApplication, role: QPalette.ColorRole) -> int:
    return app.palette().color(role).lightness()


def _ink(icon) -> int:
    """The mean lightness of an icon's drawn pixels."""
    image = icon.pixmap(32, 32).toImage()
    values = [image.pixelColor(x, y).lightness() for x in range(image.width()) for y in range(image.height())
              if image.pixelColor(x, y).alpha() > 200]
    return sum(values) // max(len(values), 1)


def test_the_app_follows_the_os_colour_scheme(qtbot, app, ui_ctx):
    page = DashboardPage(ui_ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    settle(qtbot)
    light_success = theme.state_colour("success")
    assert theme.current() == theme.LIGHT  # the offscreen platform says no scheme: light
    assert "light theme" in app.styleSheet() and _lightness(app, QPalette.ColorRole.Window) > 200

    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what Qt says when the OS turns dark
    assert theme.current() == theme.DARK
    assert "dark theme" in app.styleSheet() and "#1a1e24" in app.styleSheet()
    assert _lightness(app, QPalette.ColorRole.Window) < 60 and _lightness(app, QPalette.ColorRole.Text) > 200
    assert _ink(icons.icon("sync")) > 150  # monochrome icons drawn light on the dark cards
    assert theme.state_colour("success") != light_success
    assert page.chart.theme() == page.chart.ChartTheme.ChartThemeDark

    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert theme.current() == theme.LIGHT and "light theme" in app.styleSheet()
    assert _ink(icons.icon("sync")) < 120
    assert page.chart.theme() == page.chart.ChartTheme.ChartThemeLight


def test_the_dark_stylesheet_styles_what_the_light_one_does():
    import re

    root = icons.resources_dir()
    light, dark = ((root / name).read_text(encoding="utf-8") for name in theme.STYLESHEETS.values())
    def selectors(text: str) -> list[str]:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        return [" ".join(found.split()) for found in re.findall(r"([^{}]+)\{[^{}]*\}", text)]

    assert selectors(light) == selectors(dark) and len(selectors(light)) > 40
    assert "#ffffff" not in dark.split("QPushButton#primary")[0]  # no white card left in the dark variant




def _order(qtbot, box) -> list[str]:
    qtbot.addWidget(box.window())
    box.window().show()  # the box lays its buttons out when it is polished
    settle(qtbot)
    widgets = [box.layout().itemAt(i).widget() for i in range(box.layout().count())]
    return [w.text() for w in widgets if w is not None]


@pytest.mark.parametrize("scheme", [theme.LIGHT, theme.DARK])
def test_dialog_buttons_follow_windows_whatever_the_desktop(qtbot, app, scheme):
    from PySide6.QtWidgets import QDialogButtonBox, QWidget

    theme.apply(app, scheme)
    style = (icons.resources_dir() / theme.STYLESHEETS[scheme]).read_text(encoding="utf-8")
    assert "button-layout: 0" in style and "dialogbuttonbox-buttons-have-icons: 0" in style
    Ok, Cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
    # Qt obeys the rule: the GNOME layout (3) puts Cancel first; the app's rule (0) is the Windows order
    desktop = QWidget()
    desktop.setStyleSheet("QDialogButtonBox { button-layout: 3; }")
    gnome = QDialogButtonBox(Cancel | Ok, desktop)
    assert _order(qtbot, gnome) == ["Cancel", "OK"]
    ours = QDialogButtonBox(Cancel | Ok)
    assert _order(qtbot, ours) == ["OK", "Cancel"]
    assert ours.button(Ok).icon().isNull() and ours.button(Cancel).icon().isNull()
