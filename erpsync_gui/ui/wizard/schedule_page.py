"""Step 4: when the app syncs on its own: off, or every N minutes or hours (5 minutes to 24 hours), with an
optional time window."""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWizardPage,
)

from erpsync_gui.profile import Schedule
from erpsync_gui.ui.wizard.state import WizardState

UNITS = {"minutes": 1 / 60, "hours": 1.0}
LIMITS = {"minutes": (5, 24 * 60), "hours": (1, 24)}


class SchedulePage(QWizardPage):
    def __init__(self, state: WizardState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("When does it sync?")
        self.setSubTitle("You can always sync by hand with F5 or Sync all. A schedule runs while the app is in the "
                         "tray.")
        layout = QVBoxLayout(self)
        self.off = QRadioButton("&Off: I sync by hand")
        self.every = QRadioButton("&Every")
        group = QButtonGroup(self)
        group.addButton(self.off)
        group.addButton(self.every)
        self.off.setChecked(True)
        self.amount = QSpinBox()
        self.amount.setAccessibleName("Interval")
        self.unit = QComboBox()
        self.unit.setAccessibleName("Interval unit")
        self.unit.addItems(list(UNITS))
        self.unit.setCurrentText("hours")
        self._limits()
        self.amount.setValue(4)
        row = QHBoxLayout()
        row.addWidget(self.every)
        row.addWidget(self.amount)
        row.addWidget(self.unit)
        row.addStretch(1)
        self.window = QCheckBox("Only &between")
        self.start = QTimeEdit(QTime(19, 0))
        self.end = QTimeEdit(QTime(7, 0))
        for edit, name in ((self.start, "Window start"), (self.end, "Window end")):
            edit.setDisplayFormat("HH:mm")
            edit.setAccessibleName(name)
        window_row = QHBoxLayout()
        window_row.addSpacing(24)
        window_row.addWidget(self.window)
        window_row.addWidget(self.start)
        window_row.addWidget(QLabel("and"))
        window_row.addWidget(self.end)
        window_row.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        layout.addWidget(self.off)
        layout.addLayout(row)
        layout.addLayout(window_row)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.unit.currentTextChanged.connect(lambda _t: (self._limits(), self._collect()))
        for signal in (self.off.toggled, self.window.toggled):
            signal.connect(lambda _on: self._collect())
        self.amount.valueChanged.connect(lambda _v: self._collect())
        self.start.timeChanged.connect(lambda _t: self._collect())
        self.end.timeChanged.connect(lambda _t: self._collect())
        self._collect()

    def _limits(self) -> None:
        low, high = LIMITS[self.unit.currentText()]
        self.amount.setRange(low, high)

    def _collect(self) -> None:
        on = self.every.isChecked()
        for widget in (self.amount, self.unit, self.window):
            widget.setEnabled(on)
        self.start.setEnabled(on and self.window.isChecked())
        self.end.setEnabled(on and self.window.isChecked())
        if not on:
            self.state.schedule = Schedule(enabled=False)
            self.summary.setText("No scheduled syncs.")
            return
        hours = round(self.amount.value() * UNITS[self.unit.currentText()], 4)
        window = f"{self.start.time().toString('HH:mm')}-{self.end.time().toString('HH:mm')}" \
            if self.window.isChecked() else None
        self.state.schedule = Schedule(enabled=True, interval_hours=hours, window=window)
        text = f"Every {self.amount.value()} {self.unit.currentText()}"
        when = f", only between {window.replace('-', ' and ')}." if window else ", day and night."
        self.summary.setText(text + when)
