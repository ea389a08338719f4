"""The window of a headless service the tray app is connected to: the service's address and token (the token
goes to this PC's keyring), its runs, queue, log, errors and conflicts, and Sync / Cancel of an entity there.

All reading goes through erpsync_gui.app.remote_service on pool threads; this module only shows it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.headless.jobs import QueuedRun
from erpsync_gui.app.remote_service import TOKEN_OWNER, TOKEN_SECRET, RemoteService
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.conflict_queries import OpenConflict
from erpsync_gui.store.log_handler import LogEntry
from erpsync_gui.store.queries import ErrorGroup, RunSummary
from erpsync_gui.ui.widgets.worker import run_in_background

log = logging.getLogger("erpsync.ui")

URL_KEY = "service/url"
REFRESH_MS = 3000


def service_url(settings: QSettings) -> str:
    """The service this PC connects to ("" when it runs its own scheduler)."""
    return str(settings.value(URL_KEY, "", str) or "")


@dataclass(frozen=True)
class Snapshot:
    """One look at a profile on the service."""

    entities: list[str]
    runs: list[RunSummary]
    queue: list[QueuedRun]
    logs: list[LogEntry]
    errors: list[ErrorGroup]
    conflicts: list[OpenConflict]


def _look(remote: RemoteService, profile: str | None) -> tuple[list[str], str | None, Snapshot | None]:
    profiles = remote.profiles()
    profile = profile if profile in profiles else (profiles[0] if profiles else None)
    if profile is None:
        return profiles, None, None
    entities = [e["entity"] for e in remote.entities(profile) if e["enabled"]]
    return profiles, profile, Snapshot(entities, remote.recent_runs(profile, 50), remote.queue(profile),
                                       remote.logs(profile, limit=300), remote.errors(profile),
                                       remote.conflicts(profile))


class ServiceWindow(QWidget):
    """Connect to a service and show what it does."""

    def __init__(self, settings: QSettings, secrets: SecretStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.secrets = secrets
        self.remote: RemoteService | None = None
        self.setWindowTitle("ERPSync service")
        self.setObjectName("serviceWindow")  # the stylesheet gives it the app's background
        self.resize(980, 640)
        self.url = QLineEdit(service_url(settings))
        self.url.setPlaceholderText("https://erpsync.office.lan:8780/")
        self.url.setAccessibleName("Service address")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("stored" if self._token_stored()
                                      else "from `erpsync service token` on the server")
        self.token.setAccessibleName("Service token")
        self.connect_button = QPushButton("&Connect")
        self.connect_button.setToolTip("Connect to the service at this address with this token")
        self.connect_button.clicked.connect(self.connect_service)
        self.disconnect_button = QPushButton("&Use this PC's own scheduler")
        self.disconnect_button.setToolTip("Forget the service: the app syncs on this PC again (after a restart)")
        self.disconnect_button.clicked.connect(self.forget_service)
        self.state = QLabel("Not connected")
        form = QFormLayout()
        form.addRow("Service &address", self.url)  # the form's labels take the fields as buddies: Alt+A, Alt+T
        form.addRow("&Token", self.token)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addWidget(self.state, 1)

        self.profiles = QComboBox()
        self.profiles.setAccessibleName("Profile on the service")
        self.entity = QComboBox()
        self.entity.setAccessibleName("Entity")
        self.sync_button = QPushButton("S&ync on the service")
        self.sync_button.setToolTip("Queue a sync of the entity on the service")
        self.sync_button.clicked.connect(self.sync_entity)
        self.cancel_button = QPushButton("Ca&ncel run")
        self.cancel_button.setToolTip("Stop the entity's run on the service after its current batch")
        self.cancel_button.clicked.connect(self.cancel_entity)
        controls = QHBoxLayout()
        profile_label, entity_label = QLabel("&Profile"), QLabel("&Entity")
        profile_label.setBuddy(self.profiles)
        entity_label.setBuddy(self.entity)
        for widget in (profile_label, self.profiles, entity_label, self.entity, self.sync_button,
                       self.cancel_button):
            controls.addWidget(widget)
        controls.addStretch(1)

        self.runs = _table(("Run", "Entity", "Trigger", "Status", "Read", "Created", "Updated", "Failed", "Started",
                            "Message"))
        self.queue = _table(("Job", "Entity", "Trigger", "State", "Attempts"))
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.errors = _table(("Count", "Entity", "Kind", "Error", "Last seen"))
        self.conflicts = _table(("Conflict", "Entity", "CRM id", "ERP id", "Fields", "Reason"))
        self.conflicts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.conflicts.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.keep_crm_button = QPushButton("Keep CR&M")
        self.keep_crm_button.setToolTip("Write the CRM's values of every differing field to both systems")
        self.keep_crm_button.clicked.connect(lambda: self.decide("crm"))
        self.keep_erp_button = QPushButton("Keep E&RP")
        self.keep_erp_button.setToolTip("Write the ERP's values of every differing field to both systems")
        self.keep_erp_button.clicked.connect(lambda: self.decide("erp"))
        self.skip_button = QPushButton("S&kip")
        self.skip_button.setToolTip("Leave this conflict undecided and go to the next one")
        self.skip_button.clicked.connect(self.skip_conflict)
        conflicts_tab = QWidget()
        conflicts_box = QVBoxLayout(conflicts_tab)
        conflicts_box.addWidget(self.conflicts, 1)
        decide = QHBoxLayout()
        for widget in (self.keep_crm_button, self.keep_erp_button, self.skip_button):
            decide.addWidget(widget)
        decide.addStretch(1)
        conflicts_box.addLayout(decide)
        self.tabs = QTabWidget()
        for widget, title in ((self.runs, "Runs"), (self.queue, "Queue"), (self.log_view, "Log"),
                              (self.errors, "Errors"), (conflicts_tab, "Conflicts")):
            self.tabs.addTab(widget, title)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        self._busy = False
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._set_connected(False)

    # -- connecting ------------------------------------------------------------------------------
    def connect_service(self) -> None:
        url = self.url.text().strip()
        typed = self.token.text()
        kept = ""
        if typed:
            try:
                self.secrets.set(TOKEN_OWNER, Side.CRM, TOKEN_SECRET, typed)
                self.token.clear()
                self.token.setPlaceholderText("stored")
            except ERPSyncError as exc:  # no keyring on this PC: the token serves this window only
                kept = f" (the token is not kept: {exc})"
                log.warning("The service token is not kept on this PC: %s", exc)
        try:
            token = typed or self.secrets.get(TOKEN_OWNER, Side.CRM, TOKEN_SECRET) or ""
            if self.remote is not None:
                self.remote.close()
            self.remote = RemoteService(url, token)
        except ERPSyncError as exc:
            self._say(str(exc), error=True)
            return
        self.settings.setValue(URL_KEY, url)
        self.settings.sync()
        self._say(f"Connecting to {self.remote.url} …{kept}")
        self.refresh()
        self._timer.start()

    def _token_stored(self) -> bool:
        """Whether this PC's keyring holds the service token (False when there is no keyring to ask)."""
        try:
            return self.secrets.has(TOKEN_OWNER, Side.CRM, TOKEN_SECRET)
        except ERPSyncError as exc:
            log.warning("The service token cannot be looked up: %s", exc)
            return False

    def forget_service(self) -> None:
        self._timer.stop()
        self.settings.remove(URL_KEY)
        self.settings.sync()
        if self.remote is not None:
            self.remote.close()
            self.remote = None
        self._set_connected(False)
        self._say("Not connected: this PC runs its own schedule after the app restarts")

    def _set_connected(self, connected: bool) -> None:
        for widget in (self.sync_button, self.cancel_button, self.profiles, self.entity, self.keep_crm_button,
                       self.keep_erp_button, self.skip_button):
            widget.setEnabled(connected)

    # -- refreshing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        remote = self.remote
        if remote is None or self._busy:
            return
        self._busy = True
        wanted = self.profiles.currentText() or None
        run_in_background(lambda: _look(remote, wanted), owner=self, on_done=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._set_connected(False)
        self._say(f"The service did not answer: {exc}", error=True)

    def _show(self, looked: tuple[list[str], str | None, Snapshot | None]) -> None:
        self._busy = False
        profiles, profile, snapshot = looked
        self._set_connected(True)
        self._say(f"Connected to {self.remote.url if self.remote else ''}")
        _refill(self.profiles, profiles, profile)
        if snapshot is None:
            return
        _refill(self.entity, snapshot.entities, self.entity.currentText() or None)
        _fill(self.runs, [(r.id, r.entity, r.trigger, r.status, r.processed, r.inserted, r.updated, r.failed,
                           f"{r.started_at.astimezone():%Y-%m-%d %H:%M:%S}", r.message or "") for r in snapshot.runs])
        _fill(self.queue, [(q.job_id, q.entity, q.trigger, "running" if q.status == "doing" else "waiting",
                            q.attempts) for q in snapshot.queue])
        self.log_view.setPlainText("\n".join(f"{e.created_at.astimezone():%H:%M:%S} {e.level:<7} "
                                             f"{e.entity or '-':<12} {e.message}" for e in snapshot.logs))
        _fill(self.errors, [(g.count, g.entity, g.error_kind or "", g.title,
                             f"{g.last_seen.astimezone():%Y-%m-%d %H:%M}") for g in snapshot.errors])
        chosen = self._chosen_conflict()
        _fill(self.conflicts, [(c.id, c.entity, c.crm_id or "", c.erp_id or "", ", ".join(c.differing), c.reason)
                               for c in snapshot.conflicts])
        ids = [c.id for c in snapshot.conflicts]
        if ids:
            self.conflicts.selectRow(ids.index(chosen) if chosen in ids else 0)

    # -- control ---------------------------------------------------------------------------------
    def sync_entity(self) -> None:
        self._on_service(lambda remote, p, e: remote.start(p, e), "queued on the service")

    def cancel_entity(self) -> None:
        self._on_service(lambda remote, p, e: remote.cancel(p, e), "asked to stop")

    def _chosen_conflict(self) -> int | None:
        row = self.conflicts.currentRow()
        item = self.conflicts.item(row, 0) if row >= 0 else None
        return int(item.text()) if item is not None else None

    def decide(self, keep: str) -> None:
        """Settle the selected conflict on the service: every differing field from the CRM or the ERP."""
        remote, profile, number = self.remote, self.profiles.currentText(), self._chosen_conflict()
        if remote is None or not profile or number is None:
            return
        side = keep.upper()
        run_in_background(lambda: remote.resolve_conflict(profile, number, keep=keep), owner=self,
                          on_done=lambda _r: (self._say(f"Conflict {number} settled: the {side} values kept"),
                                              self.refresh()),
                          on_error=lambda exc: self._say(f"Conflict {number} not settled: {exc}", error=True))

    def skip_conflict(self) -> None:
        """Go to the next conflict; the skipped one stays open for later."""
        rows = self.conflicts.rowCount()
        if rows:
            self.conflicts.selectRow((self.conflicts.currentRow() + 1) % rows)

    def _on_service(self, action, done: str) -> None:
        remote, profile, entity = self.remote, self.profiles.currentText(), self.entity.currentText()
        if remote is None or not profile or not entity:
            return
        run_in_background(lambda: action(remote, profile, entity), owner=self,
                          on_done=lambda _r: (self._say(f"{entity}: {done}"), self.refresh()),
                          on_error=lambda exc: self._say(f"{entity}: {exc}", error=True))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.state.setText(text)
        self.state.setProperty("error", error)

    def closeEvent(self, event) -> None:
        self._timer.stop()
        super().closeEvent(event)


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    # each column as wide as its header and values, the last one (a message) taking the rest: no sideways
    # scrolling of an empty table
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    return table


def _fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(str(value)))


def _refill(combo: QComboBox, items: list[str], current: str | None) -> None:
    if [combo.itemText(i) for i in range(combo.count())] != items:
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(items)
        combo.blockSignals(False)
    if current:
        combo.setCurrentText(current)


def open_service_window(data_dir: Path, secrets: SecretStore, parent: QWidget | None = None) -> ServiceWindow:
    """The window, connected at once when a service address is already set."""
    from erpsync_gui.ui.main_window import ui_settings

    window = ServiceWindow(ui_settings(data_dir), secrets, parent)
    window.setWindowFlag(Qt.WindowType.Window)
    if window.url.text():
        window.connect_service()
    return window
