"""The Connections page's offer to add the origin marker columns a CRM database lacks: the statements are
read first and shown in full (to run, or to copy for a DBA); nothing changes until a person confirms."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from erpsync_gui.app.crm_schema import add_markers, marker_plan
from erpsync_gui.connectors.sql_markers import MarkerResult
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.worker import run_in_background

#: the connection test's line that says marker columns are missing (written by the SQL connector's check)
MARKER_FINDING = "marker columns external_id, external_channel missing on:"


def ask_to_run(parent: QWidget, result: MarkerResult) -> bool:
    """Show the statements; True when the person chose to run them (Copy puts them on the clipboard)."""
    box = QMessageBox(parent)
    box.setWindowTitle("Add marker columns")
    tables = ", ".join(f"{c.table} ({c.entity})" for c in result.changes)
    box.setText(f"ERPSync marks the records it creates in {tables}. These statements add the two columns "
                "(and an index). Run them now, or copy them for your database administrator.")
    box.setDetailedText(result.sql_text())
    run = box.addButton("Run these statements", QMessageBox.ButtonRole.AcceptRole)
    copy = box.addButton("Copy SQL", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is copy:
        QGuiApplication.clipboard().setText(result.sql_text())
    return box.clickedButton() is run


class MarkerOffer(QWidget):
    """A line and a button, shown when the last CRM test found tables without the marker columns."""

    #: the statements were run (MarkerResult), or could not be (the reason as text)
    done = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 confirm: Callable[[QWidget, MarkerResult], bool] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile_name: str | None = None
        #: shows the statements and asks; a test hands in its own answer
        self.confirm = confirm or ask_to_run
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.button = QPushButton("Add marker columns…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self.offer)
        self.hide()

    def show_for(self, profile_name: str, details: tuple[str, ...]) -> None:
        """Shown when the CRM test's details name unmarked tables; hidden otherwise."""
        self.profile_name = profile_name
        line = next((d for d in details if d.startswith(MARKER_FINDING)), None)
        self.setVisible(line is not None)
        if line is not None:
            self.note.setText("Until these columns exist, tickets and payments are not created in the CRM "
                              "(a lost reply could duplicate them). " + line)

    def offer(self) -> None:
        """Read the statements on a pool thread, show them, run them on a pool thread once confirmed."""
        if self.profile_name is None:
            return
        service, name = self.ctx.service, self.profile_name
        self.button.setEnabled(False)
        run_in_background(lambda: marker_plan(service, service.profile(name)), owner=self,
                          on_done=self._planned, on_error=self._failed)

    def _planned(self, plan: MarkerResult) -> None:
        if not plan.changes:
            self.button.setEnabled(True)
            self.hide()
            self.done.emit(plan)
            return
        if not self.confirm(self, plan):
            self.button.setEnabled(True)
            self.note.setText("Nothing was changed. " + self.note.text().removeprefix("Nothing was changed. "))
            return
        service, name = self.ctx.service, self.profile_name
        run_in_background(lambda: add_markers(service, service.profile(name)), owner=self,
                          on_done=self._added, on_error=self._failed)

    def _added(self, result: MarkerResult) -> None:
        self.button.setEnabled(True)
        self.note.setText(f"Added the marker columns to {len(result.changes)} table(s). Test the connection again.")
        self.button.hide()
        self.done.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        message = self.ctx.service.redact(str(exc))
        self.note.setText(f"The marker columns could not be added: {message}")
        self.done.emit(message)
