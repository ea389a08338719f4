"""The user guide, offline: the bundled HTML pages (resources/help) in a help window with a topic list and
Back/Forward, opened at the page of the screen the admin is on (F1)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui import APP_NAME
from erpsync_gui.help_text import TOPICS, help_dir, topic
from erpsync_gui.ui import icons, theme

_CSS = {
    theme.LIGHT: "body { color: #1f2933; } h1 { color: #17202b; } h2 { color: #1f4f96; } code { color: #8a1c12; }"
                 " th { background: #f1f4f8; } a { color: #1f5fbf; }",
    theme.DARK: "body { color: #e3e7ec; } h1 { color: #f1f3f6; } h2 { color: #8ab4f8; } code { color: #ffb4ab; }"
                " th { background: #2d343e; } a { color: #8ab4f8; }",
}


class HelpWindow(QDialog):
    """Non-modal; `show_topic(name)` brings it forward at that page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} help")
        self.setWindowIcon(icons.icon("help"))
        self.resize(920, 640)
        self.topics = QListWidget()
        self.topics.setAccessibleName("Help topics")
        for t in TOPICS:
            item = QListWidgetItem(t.title)
            item.setData(Qt.ItemDataRole.UserRole, t.name)
            self.topics.addItem(item)
        self.topics.setMaximumWidth(220)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Help page")
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(help_dir())])
        self.browser.document().setDefaultStyleSheet(_CSS[theme.current()])
        self.back_button = QPushButton("&Back")
        self.back_button.setToolTip("The page before (Alt+Left)")
        self.forward_button = QPushButton("&Forward")
        self.forward_button.setToolTip("The next page (Alt+Right)")
        self.close_button = QPushButton("&Close")
        self.back_button.clicked.connect(self.browser.backward)
        self.forward_button.clicked.connect(self.browser.forward)
        self.close_button.clicked.connect(self.close)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        self.browser.forwardAvailable.connect(self.forward_button.setEnabled)
        self.browser.sourceChanged.connect(self._source_changed)
        # a click, or Enter on a topic, opens it (the list's current row also moves when it takes the focus)
        self.topics.itemClicked.connect(lambda item: self._topic_chosen(self.topics.row(item)))
        self.topics.itemActivated.connect(lambda item: self._topic_chosen(self.topics.row(item)))
        QShortcut(QKeySequence.StandardKey.Back, self, self.browser.backward)
        QShortcut(QKeySequence.StandardKey.Forward, self, self.browser.forward)
        split = QSplitter()
        split.addWidget(self.topics)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.forward_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.back_button.setEnabled(False)
        self.forward_button.setEnabled(False)

    def show_topic(self, name: str | None = None) -> None:
        """Show the guide at the topic (its first page for None) and bring the window forward."""
        found = topic(name)
        self.browser.setSource(QUrl.fromLocalFile(str(help_dir() / found.file)))
        self.show()
        self.raise_()
        self.activateWindow()
        self.browser.setFocus()
        QTimer.singleShot(0, lambda: self._select(self.current_topic()))

    def current_topic(self) -> str:
        return self.browser.source().fileName().removesuffix(".html")

    def _topic_chosen(self, row: int) -> None:
        if 0 <= row < len(TOPICS) and TOPICS[row].name != self.current_topic():
            self.browser.setSource(QUrl.fromLocalFile(str(help_dir() / TOPICS[row].file)))

    def _select(self, name: str) -> None:
        """Mark the topic in the list (a link or Back moved to it), without loading it again."""
        row = next((i for i, t in enumerate(TOPICS) if t.name == name), -1)
        self.topics.blockSignals(True)
        self.topics.setCurrentRow(row)
        self.topics.blockSignals(False)

    def _source_changed(self, _url: QUrl) -> None:
        name = self.current_topic()
        self._select(name)
        self.setWindowTitle(f"{APP_NAME} help — {self.browser.documentTitle() or name}")
