"""Help > About ERPSync: the version, and where this installation keeps its files (data, state database, logs,
cache), with a button that opens the log folder - what support asks for first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from erpsync_gui import APP_NAME, __version__, paths
from erpsync_gui.ui import icons

DESCRIPTION = "Keeps a CRM and an ERP or accounting system in sync in both directions."
#: the narrowest the path fields get; they grow to show the longest path whole
PATH_FIELD_MIN_WIDTH = 420
#: a field's frame and text margins, with room to spare for the stylesheet's padding
FIELD_PADDING = 40
#: the captions, the dialog's margins and the window frame beside the fields
CAPTION_ROOM = 260


def open_folder(path: Path) -> bool:
    """Open `path` in the desktop's file manager (Explorer on Windows); False when nothing could open it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def database_location(url: str) -> str:
    """The state database as a person looks for it: the file of a SQLite database, else the URL without its
    password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(Path(parsed.database))
    return parsed.render_as_string(hide_password=True)


def _field_width(field: QLineEdit, values: Iterable[str]) -> int:
    """Wide enough to show the longest path whole, within what the screen leaves beside the captions."""
    field.ensurePolished()  # the stylesheet's font, which is the one the path is drawn in
    metrics = field.fontMetrics()
    wanted = max((metrics.horizontalAdvance(v) for v in values), default=0) + FIELD_PADDING
    screen = QGuiApplication.primaryScreen()
    room = screen.availableGeometry().width() - CAPTION_ROOM if screen is not None else wanted
    return max(PATH_FIELD_MIN_WIDTH, min(wanted, room))


class AboutDialog(QDialog):
    """`opener` opens a folder (injected in tests; the desktop's file manager by default)."""

    def __init__(self, data_dir: Path, store_url: str, parent: QWidget | None = None, *,
                 opener: Callable[[Path], bool] = open_folder) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setObjectName("aboutDialog")
        self._opener = opener
        self.log_dir = paths.log_dir(data_dir)
        self.locations = {
            "Data folder": str(Path(data_dir)),
            "State database": database_location(store_url),
            "Log folder": str(self.log_dir),
            "Cache folder": str(paths.cache_dir(data_dir)),
        }

        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(64, 64))
        name = QLabel(APP_NAME)
        name.setObjectName("brand")  # the stylesheet's look of the name in the sidebar
        name.setStyleSheet("padding: 0px;")  # in line with the version below it
        self.version_label = QLabel(f"Version {__version__}")
        self.version_label.setObjectName("aboutVersion")
        description = QLabel(DESCRIPTION)
        description.setWordWrap(True)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(name)
        heading.addWidget(self.version_label)
        heading.addWidget(description)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(logo)
        top.addLayout(heading, 1)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLineEdit] = {}
        for caption, value in self.locations.items():
            field = QLineEdit(value)
            field.setReadOnly(True)  # selectable and copyable; a path longer than the screen scrolls
            field.setAccessibleName(caption)
            field.setToolTip(value)
            self.fields[caption] = field
            form.addRow(f"{caption}:", field)
        for field in self.fields.values():
            field.setMinimumWidth(_field_width(field, self.locations.values()))
            field.setCursorPosition(0)

        self.status = QLabel("")
        self.status.setObjectName("aboutStatus")
        self.status.setWordWrap(True)
        self.status.hide()

        self.open_logs_button = QPushButton(icons.icon("logs"), "Open log folder")
        self.open_logs_button.setToolTip(str(self.log_dir))
        self.open_logs_button.clicked.connect(self.open_log_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.open_logs_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 16)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.close_button.setFocus()  # Enter and Space close; the paths are still a Tab away for copying

    def open_log_folder(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)  # a cleaned-up log folder is made again, not an error
        if self._opener(self.log_dir):
            self.status.hide()
            return
        self.status.setText(f"Could not open {self.log_dir}: open it in your file manager (the path is above).")
        self.status.show()
