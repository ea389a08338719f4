"""The Sync page's Schedule panel: when scheduled syncs run (every 5, 15 or 30 minutes, every 1 to 24 hours or a
custom cron line, an optional sync window and weekdays), which entities they cover, the next five run times,
Pause/Resume, and start at login.

Save writes the profile's Schedule to the state database and hands it to the scheduler on a pool thread.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from tzlocal import get_localzone

from erpsync_gui.app import autostart
from erpsync_gui.app.sync_window import DAY_NAMES, SyncWindow, next_slots
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.profile import ProfileConfig, Schedule
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.schedule_texts import cron_problem, interval_label, next_run_text, slots_text
from erpsync_gui.ui.widgets.layouts import with_message
from erpsync_gui.ui.widgets.validation import FormValidator
from erpsync_gui.ui.widgets.worker import run_in_background

log = logging.getLogger("erpsync.ui")

#: the presets, in hours: 5, 15 and 30 minutes, then hours
INTERVALS = (5 / 60, 15 / 60, 30 / 60, 1, 2, 4, 12, 24)
CUSTOM = "cron"
#: how many coming run times the panel lists
NEXT_SLOTS = 5
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DEFAULT_WINDOW = (QTime(19, 0), QTime(7, 0))


class _Relay(QObject):
    """Carries the scheduler's callbacks (a scheduler thread) onto the GUI thread."""

    changed = Signal()


class SchedulePanel(QGroupBox):
    """Edits the current profile's schedule. `saved(profile name)` after a successful Save."""

    saved = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__("Schedule", parent)
        self.ctx = ctx
        self.profile: ProfileConfig | None = None
        self._loaded: Schedule | None = None
        self._saving = False
        self.validator = FormValidator(self)
        self._build()
        self._relay = _Relay(self)
        self._relay.changed.connect(self.update_next_run)
        scheduler = ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "listeners_changed"):
            hook = self._relay.changed.emit
            listeners = scheduler.listeners_changed
            listeners.append(hook)
            self.destroyed.connect(lambda *_args: _forget(listeners, hook))
        self._update_buttons()

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.enabled = QCheckBox("Run syncs on a &schedule")
        self.interval = QComboBox()
        self.interval.setAccessibleName("How often")
        for hours in INTERVALS:
            self.interval.addItem(interval_label(hours), hours)
        self.interval.addItem("Custom (cron)", CUSTOM)
        self.interval.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.cron = QLineEdit()
        self.cron.setPlaceholderText("minute hour day month weekday, e.g. 0 */4 * * *")
        self.cron_error = QLabel()
        self.window_on = QCheckBox("Only &between")
        self.window_from = QTimeEdit(_DEFAULT_WINDOW[0])
        self.window_to = QTimeEdit(_DEFAULT_WINDOW[1])
        for edit in (self.window_from, self.window_to):
            edit.setDisplayFormat("HH:mm")
            edit.setMaximumWidth(96)
        self.window_error = QLabel()
        self.days = {name: QCheckBox(label) for name, label in zip(DAY_NAMES, DAY_LABELS, strict=True)}
        self.entities = QListWidget()
        self.entities.setMaximumHeight(76)
        self.entities.setAccessibleName("Entities the schedule runs")
        self.entities.setToolTip("Check the entities the schedule runs; none or all checked: every enabled entity")
        self.next_run = QLabel("Next run: -")
        self.next_run.setObjectName("cardTitle")
        self.next_slots = QLabel("")
        self.next_slots.setObjectName("hint")
        self.next_slots.setWordWrap(True)
        self.next_slots.setToolTip("When the schedule as shown here runs next (its window applied)")
        self.autostart = QCheckBox("Start ERPSync when I &log in")
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.pause_button = QPushButton("&Pause schedule")
        self.pause_button.setToolTip("No scheduled runs until resumed (the tray menu does the same)")
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Show the schedule as saved")
        self.save_button = QPushButton(icons.icon("save"), "Save sc&hedule")
        self.save_button.setObjectName("primary")

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        every = QHBoxLayout()
        every.addWidget(self.interval)
        every.addWidget(self.cron, 1)
        every.addStretch(0)
        form.addRow("Run", with_message(every, self.cron_error))
        window = QHBoxLayout()
        window.addWidget(self.window_on)
        window.addWidget(self.window_from)
        window.addWidget(QLabel("and"))
        window.addWidget(self.window_to)
        window.addStretch(1)
        form.addRow("Sync window", with_message(window, self.window_error))
        days = QHBoxLayout()
        days.setSpacing(10)
        for box in self.days.values():
            days.addWidget(box)
        days.addStretch(1)
        form.addRow("On", _wrap(days))

        left = QVBoxLayout()
        left.setSpacing(4)
        left.addLayout(form)
        left.addWidget(self.next_slots)
        left.addWidget(self.notice)
        left.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pause_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        right = QVBoxLayout()
        right.setSpacing(4)
        self.entities_caption = QLabel("&Entities")
        self.entities_caption.setBuddy(self.entities)
        right.addWidget(self.entities_caption)
        right.addWidget(self.entities)
        right.addLayout(buttons)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        top = QHBoxLayout()
        top.setSpacing(24)
        top.addWidget(self.enabled)
        top.addWidget(self.autostart)
        top.addStretch(1)
        top.addWidget(self.next_run)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(columns)

        self.validator.add(self.cron, self._cron_problem, self.cron_error)
        self.validator.add(self.window_to, self._window_problem, self.window_error)
        self.enabled.toggled.connect(self._edited)
        self.interval.currentIndexChanged.connect(self._edited)
        self.cron.textEdited.connect(self._edited)
        self.window_on.toggled.connect(self._edited)
        self.window_from.timeChanged.connect(self._edited)
        self.window_to.timeChanged.connect(self._edited)
        for box in self.days.values():
            box.toggled.connect(self._edited)
        self.entities.itemChanged.connect(self._edited)
        self.save_button.clicked.connect(lambda: self._ignore(self.save()))
        self.revert_button.clicked.connect(self._revert)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.autostart.toggled.connect(self.set_autostart)

    # -- loading ----------------------------------------------------------------------------------
    def load(self, profile: ProfileConfig) -> None:
        """Show `profile`'s schedule, unless the same profile's schedule is being edited."""
        same = self.profile is not None and self.profile.name == profile.name
        self.profile = profile
        if not (same and self.is_dirty()):
            self._show(profile.schedule)
        self.refresh_autostart()
        self.update_next_run()

    def _show(self, schedule: Schedule) -> None:
        widgets = [self.enabled, self.interval, self.cron, self.window_on, self.window_from, self.window_to,
                   self.entities, *self.days.values()]
        for widget in widgets:
            widget.blockSignals(True)
        self.enabled.setChecked(schedule.enabled)
        custom = bool(schedule.cron and schedule.cron.strip())
        hours = schedule.interval_hours
        if not custom and hours and self.interval.findData(hours) < 0:  # an interval set in a config file
            self.interval.insertItem(self.interval.count() - 1, interval_label(hours), hours)
        self.interval.setCurrentIndex(self.interval.findData(CUSTOM if custom else (hours or 4)))
        self.cron.setText(schedule.cron or "")
        try:
            window = SyncWindow.parse(schedule.window, schedule.window_days)
        except ConfigError as exc:
            window = None
            self._say(f"The stored sync window is not understood: {exc}", error=True)
        has_hours = window is not None and bool(schedule.window and schedule.window.strip())
        self.window_on.setChecked(has_hours)
        start, end = (window.start, window.end) if has_hours else (None, None)
        self.window_from.setTime(QTime(start.hour, start.minute) if start else _DEFAULT_WINDOW[0])
        self.window_to.setTime(QTime(end.hour, end.minute) if end else _DEFAULT_WINDOW[1])
        chosen_days = {str(day).strip().lower()[:3] for day in schedule.window_days}
        for name, box in self.days.items():
            box.setChecked(name in chosen_days)
        self.entities.clear()
        enabled = [cfg.entity for cfg in self.profile.entities if cfg.enabled] if self.profile else []
        for entity in dict.fromkeys([*enabled, *schedule.entities]):
            spec = ENTITIES.get(entity)
            item = QListWidgetItem(spec.label if spec else entity)
            item.setData(Qt.ItemDataRole.UserRole, entity)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if entity in schedule.entities else Qt.CheckState.Unchecked)
            self.entities.addItem(item)
        for widget in widgets:
            widget.blockSignals(False)
        self._loaded = self.schedule()
        self._edited()

    def _revert(self) -> None:
        if self.profile is not None:
            self._show(self.profile.schedule)

    # -- the edited schedule ----------------------------------------------------------------------
    def is_custom(self) -> bool:
        return self.interval.currentData() == CUSTOM

    def schedule(self) -> Schedule:
        """The schedule as edited."""
        custom = self.is_custom()
        days = tuple(name for name, box in self.days.items() if box.isChecked())
        window = (f"{self.window_from.time().toString('HH:mm')}-{self.window_to.time().toString('HH:mm')}"
                  if self.window_on.isChecked() else None)
        entities = tuple(self.entities.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.entities.count())
                         if self.entities.item(i).checkState() == Qt.CheckState.Checked)
        return Schedule(enabled=self.enabled.isChecked(),
                        interval_hours=None if custom else self.interval.currentData(),
                        cron=self.cron.text().strip() if custom else None, window=window,
                        window_days=days if len(days) < len(DAY_NAMES) else (), entities=entities)

    def is_dirty(self) -> bool:
        return self._loaded is not None and self.schedule() != self._loaded

    def _cron_problem(self) -> str | None:
        return cron_problem(self.cron.text()) if self.is_custom() else None

    def _window_problem(self) -> str | None:
        if self.window_on.isChecked() and self.window_from.time() == self.window_to.time():
            return "The window needs different start and end times (or no window)"
        return None

    def _edited(self, *_args: object) -> None:
        custom = self.is_custom()
        self.cron.setVisible(custom)
        self.window_from.setEnabled(self.window_on.isChecked())
        self.window_to.setEnabled(self.window_on.isChecked())
        self.validator.validate()
        self._update_buttons()
        self._show_entities_caption()
        self._show_slots()

    def _show_entities_caption(self) -> None:
        total = self.entities.count()
        checked = sum(1 for i in range(total) if self.entities.item(i).checkState() == Qt.CheckState.Checked)
        words = "all enabled" if checked in (0, total) else f"{checked} of {total}"
        self.entities_caption.setText(f"&Entities: {words}")

    def upcoming(self) -> list[datetime]:
        """The next run times of the schedule as edited (nothing when it is off or not valid)."""
        if not self.enabled.isChecked() or not self.validator.valid:
            return []
        schedule = self.schedule()
        first = None
        scheduler = self.ctx.scheduler
        if not self.is_dirty() and scheduler is not None and hasattr(scheduler, "next_run") and self.profile:
            try:
                first = scheduler.next_run(self.profile.name)
            except Exception as exc:  # the list must not break on the scheduler's trouble
                log.warning("next run of %s unknown: %s", self.profile.name, exc)
        try:
            return next_slots(schedule, get_localzone(), datetime.now(get_localzone()), NEXT_SLOTS, first=first)
        except ConfigError:
            return []

    def _show_slots(self) -> None:
        paused = bool(getattr(self.ctx.scheduler, "paused", False))
        slots = [] if paused else self.upcoming()
        self.next_slots.setText(slots_text(slots))
        self.next_slots.setVisible(bool(slots))

    def _update_buttons(self) -> None:
        dirty = self.profile is not None and self.is_dirty()
        self.save_button.setEnabled(dirty and self.validator.valid and not self._saving)
        self.revert_button.setEnabled(dirty and not self._saving)
        scheduler = self.ctx.scheduler
        self.pause_button.setEnabled(scheduler is not None)
        paused = bool(getattr(scheduler, "paused", False))
        self.pause_button.setText("Resume schedule" if paused else "Pause schedule")

    # -- saving -----------------------------------------------------------------------------------
    def save(self) -> bool:
        """Write the schedule and give it to the scheduler, on a pool thread; False when it cannot start."""
        if self.profile is None or self._saving or not self.validator.validate():
            self._update_buttons()
            return False
        schedule, name = self.schedule(), self.profile.name
        service, scheduler = self.ctx.service, self.ctx.scheduler

        def work() -> ProfileConfig:
            # from the stored profile, so what other pages saved meanwhile is kept
            saved = service.config.save_profile(dataclasses.replace(service.profile(name), schedule=schedule))
            if scheduler is not None and hasattr(scheduler, "apply_profile"):
                scheduler.apply_profile(saved)
            return saved

        self._saving = True
        self._say("Saving…")
        self._update_buttons()
        run_in_background(work, owner=self, on_done=self._saved, on_error=self._save_failed)
        return True

    def _saved(self, profile: ProfileConfig) -> None:
        self._saving = False
        self.profile = profile
        self._show(profile.schedule)
        self._say("Schedule saved." if self.ctx.scheduler is not None
                  else "Schedule saved; it takes effect when the app runs its scheduler.")
        self.update_next_run()
        self.saved.emit(profile.name)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._say(f"Not saved: {self.ctx.service.redact(str(exc))}", error=True)
        self._update_buttons()

    # -- next run and pause -----------------------------------------------------------------------
    def update_next_run(self) -> None:
        scheduler = self.ctx.scheduler
        if self.profile is None:
            return
        if scheduler is None or not hasattr(scheduler, "next_run"):
            self.next_run.setText("Next run: no scheduler running")
            self._update_buttons()
            return
        try:
            moment = scheduler.next_run(self.profile.name)
        except Exception as exc:  # the panel must not break on the scheduler's trouble
            log.warning("next run of %s unknown: %s", self.profile.name, exc)
            moment = None
        self.next_run.setText(next_run_text(moment, paused=bool(getattr(scheduler, "paused", False)),
                                            enabled=self.profile.schedule.enabled))
        self._update_buttons()
        self._show_slots()

    def toggle_pause(self) -> None:
        """Pause or resume the schedule, as the tray's menu entry does; the job store is written off the GUI thread."""
        scheduler = self.ctx.scheduler
        if scheduler is None:
            return
        work = scheduler.resume if scheduler.paused else scheduler.pause
        self.pause_button.setEnabled(False)
        run_in_background(work, owner=self, on_done=lambda _r: self.update_next_run(),
                          on_error=lambda exc: self._say(f"Schedule not changed: {exc}", error=True))

    # -- start at login ---------------------------------------------------------------------------
    def refresh_autostart(self) -> None:
        self.autostart.blockSignals(True)
        self.autostart.setChecked(autostart.is_enabled())
        self.autostart.blockSignals(False)

    def set_autostart(self, on: bool) -> None:
        try:
            autostart.enable() if on else autostart.disable()
        except ERPSyncError as exc:
            self._say(str(exc), error=True)
        self.refresh_autostart()

    @staticmethod
    def _ignore(_result: object) -> None:
        """Buttons get slots that return nothing to Qt."""

    def _say(self, text: str, *, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setObjectName("fieldError" if error else "hint")
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)


def _forget(listeners: list, hook: object) -> None:
    """The scheduler outlives a closed panel: it must stop calling into it."""
    if hook in listeners:
        listeners.remove(hook)




def _wrap(row: QHBoxLayout) -> QWidget:
    box = QWidget()
    row.setContentsMargins(0, 0, 0, 0)
    box.setLayout(row)
    return box
