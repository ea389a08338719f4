"""The outcome card of one side's connection test on the Connections page: the verdict with the time of the
test, the three checks (reachable, signed in, latency) and the cause or findings."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import EndpointStatus
from erpsync_gui.ui.when import tested_text
from erpsync_gui.ui.widgets.status_badge import StatusBadge

#: a stored endpoint status in words, with its badge level
STATUS_WORDS = {"active": ("ok", "connected"), "expired": ("warn", "sign-in expired"), "error": ("error", "error")}


def _tested(tested_at: datetime | None) -> str:
    return f" · {tested_text(tested_at)}" if tested_at is not None else ""


class SideResult(QFrame):
    """The outcome of one side's connection test: overall badge, the three checks and the cause."""

    def __init__(self, side: Side, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.side = side
        self.overall = StatusBadge(f"{side.value.upper()}: not tested yet", "idle")
        self.overall.label.setObjectName("cardTitle")
        self.overall.label.setWordWrap(True)
        self.reachable = StatusBadge("Reachable", "idle")
        self.authenticated = StatusBadge("Signed in", "idle")
        self.latency = QLabel("Latency: -")
        self.cause = QLabel("")
        self.cause.setWordWrap(True)
        self.cause.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(self.overall)
        checks = QHBoxLayout()
        checks.setSpacing(18)
        checks.addWidget(self.reachable)
        checks.addWidget(self.authenticated)
        checks.addWidget(self.latency)
        checks.addStretch(1)
        layout.addLayout(checks)
        layout.addWidget(self.cause)

    def show_busy(self) -> None:
        self.overall.set_status("busy", f"{self.side.value.upper()}: testing…")
        self.cause.setText("")

    def show_result(self, result: CheckResult, tested_at: datetime | None = None) -> None:
        """A test's outcome; `tested_at` when it was stored as the endpoint's status (a test of settings not
        saved yet has none)."""
        name = self.side.value.upper()
        when = _tested(tested_at)
        if result.ok:
            server = f" ({result.server})" if result.server else ""
            self.overall.set_status("ok", f"{name}: connected{server}{when}")
        elif result.reachable:
            self.overall.set_status("warn", f"{name}: reachable, but not usable{when}")
        else:
            self.overall.set_status("error", f"{name}: cannot be reached{when}")
        self.reachable.set_status("ok" if result.reachable else "error",
                                  "Reachable" if result.reachable else "Not reachable")
        self.authenticated.set_status("ok" if result.authenticated else ("error" if result.reachable else "idle"),
                                      "Signed in" if result.authenticated else "Not signed in")
        self.latency.setText(f"Latency: {result.latency_ms:.0f} ms" if result.latency_ms is not None
                             else "Latency: -")
        # the findings beside the verdict (the expected tables a database misses, by name)
        self.cause.setText("\n".join([result.message, *result.details]))

    def show_stored(self, status: EndpointStatus) -> None:
        """The status the last test, sign-in or run stored, with the time of the last test."""
        name = self.side.value.upper()
        if status.status == "active" and not status.message and status.tested_at is None:
            self.overall.set_status("idle", f"{name}: not tested yet")
            return
        level, word = STATUS_WORDS.get(status.status, ("error", status.status))
        self.overall.set_status(level, f"{name}: {word}{_tested(status.tested_at)}")
        self.cause.setText(status.message or "")

    def show_stale(self) -> None:
        self.overall.set_status("warn", f"{self.side.value.upper()}: changed since the last test")
        self.cause.setText("Test the connection again: the result shown was for the settings before the edit.")
