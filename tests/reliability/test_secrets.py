"""Secrets: recognisable tokens (canaries) are the ERP's bearer and client tokens.
Every feature runs with them: syncs at DEBUG (one through a gateway whose error pages quote the request's
headers, so failed records and their log lines carry what it said), the errors, log, status and connection
test commands, a config export in both formats, a crash report (an uncaught exception whose message carries
a token, written to the log file), and the GUI offscreen, every page's widgets read as drawn. Then the state
database, every file in the data directory, every export, the captured output and the GUI's text are
scanned for each canary (as is, base64 and URL-encoded): 0 hits."""

from __future__ import annotations

import base64
import logging
import sys
import urllib.parse
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, update
from sqlalchemy.pool import NullPool

from erpsync_gui import paths
from erpsync_gui.app.log_files import close_log_file, open_log_file
from erpsync_gui.cli import main
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from tests.reliability.fault_proxy import FaultPlan, FaultProxy
from tests.reliability.figures import report
from tests.sync_harness import CLIENT_FIELDS

ERP_TOKEN = "cnry-erp-token-5f2b9e7d1c40"
CLIENT_TOKEN = "cnry-client-token-8a1f4e6b3d92"
CANARIES = (ERP_TOKEN, CLIENT_TOKEN)
PROFILE = "canary"


def _forms(canary: str) -> list[bytes]:
    raw = canary.encode()
    return [raw, base64.b64encode(raw), urllib.parse.quote(canary).encode(), canary.upper().encode()]


def hits(blob: bytes) -> int:
    return sum(blob.count(form) for canary in CANARIES for form in _forms(canary))


def gui_texts(window) -> list[str]:
    """Every text the window's widgets draw: labels, buttons, fields as displayed, lists, tables, tooltips."""
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
        QWidget,
    )

    texts = [window.windowTitle()]

    def columns(model, parent) -> int:
        try:
            return model.columnCount(parent)
        except TypeError:  # a list model keeps columnCount to itself: it has one
            return 1

    def model_texts(model, parent=None, depth=0) -> None:
        parent = parent if parent is not None else QModelIndex()
        for row in range(min(model.rowCount(parent), 500)):
            for column in range(columns(model, parent)):
                index = model.index(row, column, parent)
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.data(index, role)
                    if value is not None:
                        texts.append(str(value))
                if depth < 3 and _has_children(model, index):
                    model_texts(model, index, depth + 1)
        for column in range(columns(model, parent)):
            texts.append(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))

    for widget in window.findChildren(QWidget):
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.displayText())  # what is drawn: a password field shows only dots
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            texts.extend(widget.itemText(i) for i in range(widget.count()))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model_texts(widget.model())
    return texts


def _has_children(model, index) -> bool:
    try:
        return model.hasChildren(index)
    except TypeError:  # a table or list model keeps it to itself: it has no children
        return False


def _systems(tmp_path: Path) -> tuple[SandboxServer, Path]:
    sandbox = SandboxServer(seed=False, auth_token=ERP_TOKEN, client_token=CLIENT_TOKEN).start()
    for n in range(30):
        sandbox.storage.create("clients", {"customer_number": f"S{n:03d}", "company": f"ERP client {n}"})
    crm_path = tmp_path / "crm.sqlite"
    crm = create_engine(f"sqlite:///{crm_path}", poolclass=NullPool)
    schema.create_schema(crm)
    with crm.begin() as conn:
        conn.execute(insert(schema.CLIENTS), [
            {"customer_number": f"C{n:03d}", "company": f"CRM client {n}", "datecreated": datetime(2026, 1, 1, 10, 0)}
            for n in range(30)])
    crm.dispose()
    return sandbox, crm_path


def _profile(data_dir: Path, crm_path: Path, erp_url: str) -> None:
    store = open_store(data_dir=data_dir)
    try:
        ConfigRepo(store).save_profile(ProfileConfig(
            name=PROFILE,
            crm=EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm_path}", options={"preset": "perfex"}),
            erp=EndpointConfig(Side.ERP, "rest", erp_url, auth="bearer", retries=1, timeout=5, log_level="DEBUG",
                               options={"paging": "page", "backoff_s": 0.001}),
            entities=(EntityConfig("clients", direction=Direction.BOTH, match_keys=("customer_number",),
                                   fields=CLIENT_FIELDS),)))
    finally:
        store.close()
    secrets = SecretStore()
    secrets.set(PROFILE, Side.ERP, "token", ERP_TOKEN)
    secrets.set(PROFILE, Side.ERP, "client_token", CLIENT_TOKEN)


@pytest.mark.slow
def test_no_canary_reaches_a_file_an_output_or_the_screen(tmp_path, data_dir, capsys, qtbot) -> None:
    sandbox, crm_path = _systems(tmp_path)
    plan = FaultPlan(seed=3, mix={"5xx": 1.0}, echo_headers=True, faulty=lambda method, path: method != "GET")
    proxy = FaultProxy(sandbox.url, plan)
    _profile(data_dir, crm_path, proxy.url)
    exports = tmp_path / "exports"
    exports.mkdir()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    log_file = open_log_file(paths.log_dir(data_dir), SecretStore().known_secret_values, logging.DEBUG)
    captured: list[str] = []
    features = 0

    def cli(*args: str, codes: tuple[int, ...] = (0,)) -> None:
        nonlocal features
        features += 1
        code = main(["--data-dir", str(data_dir), "-vv", *args])
        out, err = capsys.readouterr()
        captured.extend((out, err))
        assert code in codes, (args, code, out[:1500], err[-3000:])

    try:
        cli("test")
        cli("sync", "-e", "clients", "--yes")  # the profile's first sync, approved as after its review
        crm = create_engine(f"sqlite:///{crm_path}", poolclass=NullPool)
        with crm.begin() as conn:  # people edit CRM clients: their changes are written to the ERP
            conn.execute(update(schema.CLIENTS).where(schema.CLIENTS.c.userid <= 20).values(city="Brașov"))
        crm.dispose()
        plan.configure(0.6)  # the gateway fails most writes, quoting the request's headers
        cli("sync", "-e", "clients", "--json", "--yes", codes=(0, 1))
        plan.configure(0.0)
        cli("errors", codes=(0, 1))
        cli("errors", "--json", "--all", codes=(0, 1))
        cli("log", "--level", "DEBUG", "--limit", "500")
        cli("status", "--json")
        cli("secret", "list")
        cli("config", "export", str(exports / "profile.toml"))
        cli("config", "export", str(exports / "profile.json"), "--format", "json")
        cli("sync", "-e", "clients", "--yes")
        features += 1
        from erpsync_gui.__main__ import _log_uncaught

        try:  # a crash whose exception names a token, as a library's error might
            raise RuntimeError(f"unexpected reply while sending Authorization: Bearer {ERP_TOKEN}")
        except RuntimeError:
            _log_uncaught(*sys.exc_info())
        features += 1
        screen = _gui(qtbot, data_dir)
    finally:
        close_log_file(log_file)
        root.setLevel(level)
        proxy.close()
        sandbox.stop()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]  # the data directory, the exports, the CRM's file
    file_hits = {str(p.relative_to(tmp_path)): hits(p.read_bytes()) for p in files}
    output_hits = hits("".join(captured).encode())
    screen_hits = hits("\n".join(screen).encode())
    total = sum(file_hits.values()) + output_hits + screen_hits
    report("secrets", canaries=len(CANARIES), features=features, files=len(files),
           bytes=sum(p.stat().st_size for p in files), gui_texts=len(screen), faults=sum(plan.injected.values()),
           hits=total)
    assert sum(plan.injected.values()) > 0 and any(f.name == "erpsync.db" for f in files)
    log_text = b"".join(f.read_bytes() for f in files if "gui.log" in f.name)
    assert b"Unexpected error" in log_text and b"RuntimeError" in log_text  # the crash report was written
    # the gateway's page, headers and all, did reach the product: its errors and logs quote it, redacted
    assert b"the request was" in (data_dir / "erpsync.db").read_bytes() + "".join(captured).encode()
    assert not {k: v for k, v in file_hits.items() if v}
    assert output_hits == 0
    assert screen_hits == 0


def _gui(qtbot, data_dir: Path) -> list[str]:
    """The main window on the canary profile, offscreen: every page shown and its text read."""
    from PySide6.QtCore import QThreadPool

    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.ui.bridge import RunBridge
    from erpsync_gui.ui.context import ProfileState, UiContext
    from erpsync_gui.ui.main_window import MainWindow

    store = open_store(data_dir=data_dir)
    service = SyncService(store, SecretStore(), data_dir)
    runs = RunManager(service)
    ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(PROFILE),
                    data_dir=data_dir)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    texts: list[str] = []
    try:
        for index in range(len(window.pages)):
            window.show_page(index)
            qtbot.wait(300)  # the page loads its rows; whatever it shows by then is read
            texts.extend(gui_texts(window))
    finally:
        window.shutdown()
        runs.shutdown(timeout=30)
        QThreadPool.globalInstance().waitForDone(30_000)
        service.close()
        store.close()
    return texts
