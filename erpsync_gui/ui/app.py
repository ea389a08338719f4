"""The desktop window: the profile's entities with their last run, and a Sync button each.

Runs go to a worker thread; the GUI thread only receives progress and results through signals.
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui import APP_NAME, __version__
from erpsync_gui.app.service import SyncService
from erpsync_gui.engine.types import ProgressEvent, RunResult
from erpsync_gui.errors import ERPSyncError


class SyncWorker(QObject):
    """Runs one entity's sync off the GUI thread."""

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, service: SyncService, profile: str, entity: str) -> None:
        super().__init__()
        self.service, self.profile, self.entity = service, profile, entity

    def run(self) -> None:
        try:
            result = self.service.sync(self.entity, profile_name=self.profile, trigger="manual",
                                       progress=self.progressed.emit)
        except ERPSyncError as exc:
            self.failed.emit(str(exc))
        else:
            self.finished.emit(result)


class MainWindow(QMainWindow):
    def __init__(self, service: SyncService, profile_name: str | None) -> None:
        super().__init__()
        self.service = service
        self.profile = service.profile(profile_name)
        self.threads: dict[str, tuple[QThread, SyncWorker]] = {}
        self.setWindowTitle(f"{APP_NAME} {__version__} - {self.profile.name}")
        self.resize(900, 480)
        self.status = QLabel(f"CRM: {self.profile.crm.url}\nERP: {self.profile.erp.url}")
        self.table = QTableWidget(len(self.profile.entities), 4)
        self.table.setHorizontalHeaderLabels(["Entity", "Direction", "Last result", ""])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, cfg in enumerate(self.profile.entities):
            self.table.setItem(row, 0, QTableWidgetItem(cfg.entity))
            self.table.setItem(row, 1, QTableWidgetItem(cfg.direction.value))
            self.table.setItem(row, 2, QTableWidgetItem("not synced in this session"))
            button = QPushButton(f"Sync {cfg.entity}")
            button.clicked.connect(lambda _=False, e=cfg.entity: self.start_sync(e))
            self.table.setCellWidget(row, 3, button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        self.setCentralWidget(body)

    def _row(self, entity: str) -> int:
        return next(i for i, c in enumerate(self.profile.entities) if c.entity == entity)

    def start_sync(self, entity: str) -> None:
        if entity in self.threads:
            return
        thread, worker = QThread(self), SyncWorker(self.service, self.profile.name, entity)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self.show_progress)
        worker.finished.connect(self.show_result)
        worker.failed.connect(lambda message, e=entity: self.show_failure(e, message))
        for signal in (worker.finished, worker.failed):
            signal.connect(thread.quit)
        thread.finished.connect(lambda e=entity: self.threads.pop(e, None))
        self.threads[entity] = (thread, worker)
        self.table.cellWidget(self._row(entity), 3).setEnabled(False)
        thread.start()

    def show_progress(self, event: ProgressEvent) -> None:
        total = f"/{event.total}" if event.total else ""
        self.table.item(self._row(event.entity), 2).setText(
            f"{event.phase}: {event.processed}{total} read, {event.inserted} created, {event.updated} updated, "
            f"{event.failed} failed")

    def show_result(self, result: RunResult) -> None:
        c = result.counts
        text = (f"{result.status.upper()}: {c['inserted']} created, {c['updated']} updated, {c['linked']} linked, "
                f"{c['failed']} failed, {c['conflicts']} conflicts ({result.duration_s:.1f} s)")
        row = self._row(result.entity)
        self.table.item(row, 2).setText(text + (f" - {result.message}" if result.message else ""))
        self.table.cellWidget(row, 3).setEnabled(True)

    def show_failure(self, entity: str, message: str) -> None:
        self.table.cellWidget(self._row(entity), 3).setEnabled(True)
        QMessageBox.warning(self, APP_NAME, f"{entity}: {message}")

    def closeEvent(self, event) -> None:
        for thread, _worker in list(self.threads.values()):
            thread.quit()
            thread.wait(30_000)
        super().closeEvent(event)


def run_gui(args: argparse.Namespace) -> int:
    from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
    from erpsync_gui.paths import data_dir
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.db import open_store

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    directory = data_dir(args.data_dir)
    store = open_store(data_dir=directory)
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    service = SyncService(store, secrets, directory)
    try:
        profile = setup_demo(store, secrets, directory).name if args.demo else None
        window = MainWindow(service, profile)
    except ERPSyncError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 2
    window.show()
    try:
        return app.exec()
    finally:
        service.close()
        store.close()
