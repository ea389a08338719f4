"""What the main window shows where its pages go while the state database opens: the page's title and
"Opening…" with a busy bar, no figures; or, when the database cannot be opened, why and what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from erpsync_gui.ui.widgets.page_header import page_header

#: the first line of the failure; the store's own message follows it
FAILURE_TITLE = "ERPSync cannot open its state database"
FAILURE_ADVICE = ("Nothing was synced or changed. Close ERPSync, fix what the message names (a full disk, a folder "
                  "without write access, a database server that is down), and start it again.")


class OpeningPanel(QWidget):
    """Stands in for the pages until they are built."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("openingPanel")
        self.setAccessibleName("Opening")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(24, 20, 24, 20)
        self._layout.setSpacing(12)
        self._header = page_header("Dashboard", text)
        self._layout.addWidget(self._header)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no steps to count: a busy bar
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(320)
        self.busy.setAccessibleName(text)
        self._layout.addWidget(self.busy)
        #: the store's message once it failed to open (empty until then)
        self.message = QLabel()
        self.message.setObjectName("openingFailure")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self._layout.addWidget(self.message)
        self._layout.addStretch(1)
        self.failed = False

    @property
    def title(self) -> str:
        return self._header.findChild(QLabel, "pageTitle").text()

    @property
    def subtitle(self) -> str:
        return self._header.findChild(QLabel, "pageSubtitle").text()

    def set_title(self, title: str) -> None:
        """The title of the page the admin chose (it opens once the database is there)."""
        if not self.failed:
            self._header.findChild(QLabel, "pageTitle").setText(title)

    def show_failure(self, message: str) -> None:
        self.failed = True
        self._header.findChild(QLabel, "pageTitle").setText(FAILURE_TITLE)
        self._header.findChild(QLabel, "pageSubtitle").setText(FAILURE_ADVICE)
        self.busy.hide()
        self.message.setText(message)
        self.message.show()
