"""The webhook receiver as the window shows it: its address (the secret token hidden, Copy gives it whole), its
state (listening, stopped, off, or an error with its message), the last events from the store's event log,
and Send a test event, which sends a real call to the receiver and shows it arriving."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from erpsync_gui.app.webhooks.host import ERROR, LISTENING, OFF, HostState
from erpsync_gui.app.webhooks.probe import ProbeResult, send_test_event
from erpsync_gui.app.webhooks.settings import VERIFIER_SECRET
from erpsync_gui.records import Side
from erpsync_gui.store import webhook_queries
from erpsync_gui.timeutil import aware_utc
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.status_badge import StatusBadge
from erpsync_gui.ui.widgets.worker import run_in_background

log = logging.getLogger("erpsync.ui")

COLUMNS = ("Time", "Source", "Event", "Record", "Status", "What was done")
#: how many of the newest events the table shows
SHOWN = 50


def masked(url: str) -> str:
    """The address with its secret path token hidden (the page may be seen over a shoulder)."""
    head, _, token = url.rpartition("/")
    return f"{head}/{'•' * 8}" if token else url


class WebhooksPage(QWidget):
    title = "Webhooks"
    icon = "kind-api"
    help_topic = "webhooks"
    poll_ms = 2000

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._url: str | None = None
        self._loading = False
        self.timer = QTimer(self)
        self.timer.setInterval(self.poll_ms)
        self.timer.timeout.connect(self.load_events)
        self._build()
        # a hidden page reads nothing: it catches up when it is shown
        ctx.profile.changed.connect(lambda _name: self.isVisible() and self.refresh())
        ctx.profile.saved.connect(lambda _name: self.isVisible() and self.refresh())

    def _build(self) -> None:
        self.state = StatusBadge("Stopped", "idle")
        self.state.setAccessibleName("Receiver state")
        self.address = QLineEdit()
        self.address.setReadOnly(True)
        self.address.setAccessibleName("Receiver address")
        self.address.setToolTip("The address to give the CRM. Its last part is a secret token: Copy gives it whole")
        self.copy_button = QPushButton("&Copy address")
        self.copy_button.setToolTip("Copy the whole address, with its secret token, for the CRM's webhook setting")
        self.test_button = QPushButton("&Send a test event")
        self.test_button.setToolTip("Send a real call to the receiver; it is logged below and nothing is synced")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.poll_note = QLabel()
        self.poll_note.setWordWrap(True)
        self.poll_note.setObjectName("pageSubtitle")

        address_row = QHBoxLayout()
        caption = QLabel("&Address")
        caption.setBuddy(self.address)
        address_row.addWidget(caption)
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy_button)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state, 1)
        state_row.addWidget(self.test_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Last events")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = QLabel("No events yet. When the CRM calls the receiver, each call is listed here.")
        self.empty.setWordWrap(True)

        layout = page_layout(self, self.title, "The CRM calls this receiver when a record changes; the record is "
                                               "then read from the CRM and synced. Polling covers missed calls.")
        layout.addLayout(state_row)
        layout.addLayout(address_row)
        layout.addWidget(self.test_result)
        layout.addWidget(self.poll_note)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)  # takes the room while the table is hidden (no events yet)

        self.copy_button.clicked.connect(self.copy_address)
        self.test_button.clicked.connect(self.send_test)

    # -- page contract -------------------------------------------------------------------------
    def refresh(self) -> None:
        self.show_state(self._host_state())
        self.load_events()
        if self.isVisible() and not self.timer.isActive():
            self.timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.timer.stop()

    # -- state ---------------------------------------------------------------------------------
    def _host_state(self) -> HostState:
        host = self.ctx.webhooks
        if host is None:
            from erpsync_gui.ui.main_window import ui_settings
            from erpsync_gui.ui.service_window import service_url

            if service_url(ui_settings(self.ctx.data_dir)):
                return HostState(self.ctx.profile.name, "service",
                                 "this PC is connected to an ERPSync service, which hosts the receivers")
            return HostState(self.ctx.profile.name, "stopped", "this window hosts no receiver")
        state = host.state  # type: ignore[attr-defined]
        assert isinstance(state, HostState)
        return state

    def show_state(self, state: HostState) -> None:
        self._url = state.url if state.state == LISTENING else None
        if state.state == LISTENING:
            self.state.set_status("ok", "Listening", state.url and masked(state.url))
        elif state.state == ERROR:
            self.state.set_status("error", f"Error: {state.message}")
        elif state.state == OFF:
            self.state.set_status("idle", "Off: the receiver is not enabled for this profile (webhook.enabled in "
                                          "the CRM endpoint's options)")
        elif state.state == "service":
            self.state.set_status("idle", f"Hosted by the service: {state.message}")
        else:
            self.state.set_status("idle", "Stopped" + (f": {state.message}" if state.message else ""))
        self.address.setText(masked(self._url) if self._url else "")
        self.address.setPlaceholderText("not listening")
        self.copy_button.setEnabled(self._url is not None)
        self.test_button.setEnabled(self._url is not None)
        if state.poll_minutes is not None and state.state == LISTENING:
            self.poll_note.setText(f"Polling every {state.poll_minutes:g} minutes reads what calls missed.")
        else:
            self.poll_note.setText("")
        self.poll_note.setVisible(bool(self.poll_note.text()))

    def copy_address(self) -> None:
        if self._url:
            QGuiApplication.clipboard().setText(self._url)
            self.test_result.setText("The address is on the clipboard (it holds the secret token: give it to the "
                                     "CRM only).")

    # -- the test event ------------------------------------------------------------------------
    def send_test(self) -> None:
        url, state = self._url, self._host_state()
        if url is None or state.profile is None:
            return
        kind = state.kind or "payamgostar"
        secret = None if kind == "payamgostar" else self.ctx.secrets.get(state.profile, Side.CRM, VERIFIER_SECRET)
        self.test_button.setEnabled(False)
        self.test_result.setText("Sending a test event…")
        run_in_background(lambda: send_test_event(url, kind, secret=secret), owner=self,
                          on_done=self._tested, on_error=self._test_failed)

    def _tested(self, result: ProbeResult) -> None:
        self.test_button.setEnabled(self._url is not None)
        if result.ok:
            number = f" (event {result.event_id}, listed below)" if result.event_id is not None else ""
            self.test_result.setText(f"✔ The receiver got the test event{number}; a test syncs nothing.")
        else:
            self.test_result.setText(f"✘ {result.message}")
        self.load_events()

    def _test_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(self._url is not None)
        self.test_result.setText(f"✘ the test event could not be sent: {exc}")

    # -- the event log -------------------------------------------------------------------------
    def load_events(self) -> None:
        name = self.ctx.profile.name
        if self._loading or not name:
            return
        self._loading = True
        service = self.ctx.service

        def read() -> list[webhook_queries.WebhookEventEntry]:
            profile_id = service.profile(name).stored_id
            return webhook_queries.events(service.store, profile_id, limit=SHOWN)

        run_in_background(read, owner=self, on_done=self._show_events, on_error=self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        log.error("the webhook events could not be read: %s", exc)

    def _show_events(self, entries: list[webhook_queries.WebhookEventEntry]) -> None:
        self._loading = False
        self.show_state(self._host_state())
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            record = entry.record_id or ""
            if entry.entity:
                record = f"{entry.entity} {record}".strip()
            when = aware_utc(entry.received_at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            values = (when, entry.source, entry.event, record, entry.status, entry.detail or "")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == len(values) - 1:
                    item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.empty.setVisible(not entries)
        self.table.setVisible(bool(entries))
