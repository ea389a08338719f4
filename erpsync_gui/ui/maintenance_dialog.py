"""Tools > Maintenance: resetting a profile's statistics and cleaning up old log lines, away from the everyday
controls. Each confirmation names what will be deleted, counted first; open errors are kept unless the admin
ticks the box that includes them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.attention import plural
from erpsync_gui.store import queries
from erpsync_gui.store.queries import ResetCounts
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.worker import run_in_background


def reset_question(profile: str, counts: ResetCounts, keep_open_errors: bool) -> tuple[str, str]:
    """The confirmation's text and its details: exactly what goes and what stays."""
    gone = [plural(counts.runs, "run"), plural(counts.daily_figures, "daily figure"),
            plural(counts.outcomes, "recorded outcome")]
    text = f"Delete {', '.join(gone[:-1])} and {gone[-1]} of profile {profile!r}?"
    kept = ["links between records", "sync positions", "conflicts waiting for a decision"]
    if keep_open_errors and counts.open_errors:
        kept.insert(0, f"{plural(counts.open_errors, 'open error')} (and the "
                       f"{plural(counts.runs_kept, 'run')} they belong to)")
    details = ("Recorded outcomes are the writes, conflicts and resolved errors of past runs"
               + (f", and the {plural(counts.open_errors, 'open error')}" if not keep_open_errors
                  and counts.open_errors else "")
               + ". Kept: " + ", ".join(kept) + ". This cannot be undone.")
    return text, details


def ask(parent: QWidget, title: str, text: str, details: str, confirm: str) -> bool:
    """A confirmation whose buttons say what they do (the safe one is the default)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setInformativeText(details)
    yes = box.addButton(confirm, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(box.addButton("&Cancel", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is yes


class MaintenanceDialog(QDialog):
    #: the statistics were reset (the dashboard reads them again)
    statistics_reset = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Maintenance")
        self.setMinimumWidth(520)
        self.include_open = QCheckBox("Also delete the open &errors")
        self.include_open.setToolTip("Left unticked, open errors stay on the Errors page, with their runs")
        self.reset_button = QPushButton("&Reset statistics…")
        self.reset_button.setToolTip("Forget this profile's runs, daily figures and recorded outcomes")
        reset_box = QGroupBox("Statistics")
        reset = QVBoxLayout(reset_box)
        note = QLabel("Forget the profile's past runs, the dashboard's daily figures and the recorded outcomes. "
                      "Links between records, sync positions and waiting conflicts stay.")
        note.setWordWrap(True)
        note.setObjectName("hint")
        reset.addWidget(note)
        row = QHBoxLayout()
        row.addWidget(self.include_open)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        reset.addLayout(row)

        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Age of the log lines to delete")
        self.cleanup_button = QPushButton("&Clean up logs…")
        self.cleanup_button.setToolTip("Delete log lines older than the number of days given")
        logs_box = QGroupBox("Logs")
        logs = QHBoxLayout(logs_box)
        caption = QLabel("Delete log lines &older than")
        caption.setBuddy(self.days)
        logs.addWidget(caption)
        logs.addWidget(self.days)
        logs.addStretch(1)
        logs.addWidget(self.cleanup_button)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(reset_box)
        layout.addWidget(logs_box)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.reset_button.clicked.connect(self.reset_statistics)
        self.cleanup_button.clicked.connect(self.clean_up_logs)

    def reset_statistics(self) -> None:
        """Count what a reset deletes (off the GUI thread), ask with those figures, then delete."""
        name = self.ctx.profile.name
        if name is None:
            return
        keep = not self.include_open.isChecked()
        service = self.ctx.service
        self.reset_button.setEnabled(False)

        def count() -> tuple[int, ResetCounts]:
            profile_id = service.profile(name).id
            return profile_id, queries.reset_counts(service.store, profile_id, keep_open_errors=keep)

        run_in_background(count, owner=self, on_done=lambda found: self._confirm_reset(name, keep, *found),
                          on_error=lambda exc: self._done(self.reset_button, f"Cannot count the statistics: {exc}"))

    def _confirm_reset(self, name: str, keep: bool, profile_id: int, counts: ResetCounts) -> None:
        text, details = reset_question(name, counts, keep)
        if not ask(self, "Reset statistics", text, details, "&Delete"):
            self._done(self.reset_button, "Nothing was deleted.")
            return
        store = self.ctx.store
        run_in_background(lambda: queries.reset_statistics(store, profile_id, keep_open_errors=keep), owner=self,
                          on_done=lambda n: self._reset(n, counts, keep),
                          on_error=lambda exc: self._done(self.reset_button, f"Reset failed: {exc}"))

    def _reset(self, rows: int, counts: ResetCounts, keep: bool) -> None:
        kept = f"; {plural(counts.open_errors, 'open error')} kept" if keep and counts.open_errors else ""
        self._done(self.reset_button, f"Statistics reset ({plural(rows, 'row')} removed{kept}).")
        self.ctx.open_work.refresh()
        self.statistics_reset.emit()

    def clean_up_logs(self) -> None:
        days = self.days.value()
        if not ask(self, "Clean up logs", f"Delete every log line older than {plural(days, 'day')}?",
                   "Lines of every profile go. This cannot be undone.", "&Delete"):
            self.status.setText("Nothing was deleted.")
            return
        store = self.ctx.store
        self.cleanup_button.setEnabled(False)
        run_in_background(lambda: queries.cleanup_logs(store, days), owner=self,
                          on_done=lambda n: self._done(self.cleanup_button, f"{plural(n, 'log line')} deleted."),
                          on_error=lambda exc: self._done(self.cleanup_button, f"Clean-up failed: {exc}"))

    def _done(self, button: QPushButton, message: str) -> None:
        button.setEnabled(True)
        self.status.setText(message)
