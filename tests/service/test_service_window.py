"""The tray app connected to a service (offscreen): the admin types the service's address and token, connects,
starts a sync there and sees the run; while connected the app runs no schedule of its own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from erpsync_gui.app.headless.process import HeadlessService
from erpsync_gui.app.headless.settings import control_token
from erpsync_gui.app.remote_service import TOKEN_OWNER, TOKEN_SECRET
from erpsync_gui.records import Side
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui.app import _start_scheduler
from erpsync_gui.ui.main_window import ui_settings
from erpsync_gui.ui.service_window import ServiceWindow, service_url
from tests.service.fleet import make_profile
from tests.service.test_service import quick_settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
WAIT_MS = 60_000


def _cells(table, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_the_window_connected_to_a_service_starts_a_run_there_and_shows_it(
        qtbot, pg_store, pg_store_url, sandboxes, tmp_path, data_dir):
    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    server_secrets = SecretStore()
    make_profile(pg_store, server_secrets, tmp_path, "office", erp, clients=2, entities=("clients", "contacts"))
    with HeadlessService(quick_settings(pg_store_url, webhooks=False), secrets=server_secrets,
                         data_dir=data_dir) as service:
        token = control_token(server_secrets)
        pc_dir = tmp_path / "admin-pc"
        pc_dir.mkdir()
        pc_secrets = SecretStore()
        window = ServiceWindow(ui_settings(pc_dir), pc_secrets)
        qtbot.addWidget(window)
        window.show()
        qtbot.keyClicks(window.url, service.control.url)
        qtbot.keyClicks(window.token, token)
        qtbot.mouseClick(window.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.sync_button.isEnabled() and window.entity.count() == 2, timeout=WAIT_MS)
        assert window.token.text() == "" and pc_secrets.get(TOKEN_OWNER, Side.CRM, TOKEN_SECRET) == token
        assert service_url(ui_settings(pc_dir)) == service.control.url

        window.entity.setCurrentText("clients")
        qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "success" in _cells(window.runs, 3), timeout=WAIT_MS)
        row = _cells(window.runs, 3).index("success")
        assert (window.runs.item(row, 1).text(), window.runs.item(row, 2).text()) == ("clients", "manual")
        assert window.runs.item(row, 5).text() == "2"  # both CRM clients created in the ERP
        qtbot.waitUntil(lambda: "clients" in window.log_view.toPlainText(), timeout=WAIT_MS)
        # connected to a service, the app on this PC keeps no schedule of its own
        assert _start_scheduler(SimpleNamespace(data_dir=pc_dir), None, None) is None
        window.close()


def test_the_trays_pause_pauses_the_service_it_is_connected_to(
        qtbot, pg_store, pg_store_url, sandboxes, tmp_path, data_dir):
    from PySide6.QtWidgets import QWidget

    from erpsync_gui.app.headless.service_state import locked
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.store.db import open_store
    from erpsync_gui.ui.app import _remote_schedule
    from erpsync_gui.ui.bridge import RunBridge
    from erpsync_gui.ui.context import ProfileState, UiContext
    from erpsync_gui.ui.tray import TrayController

    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    server_secrets = SecretStore()
    make_profile(pg_store, server_secrets, tmp_path, "office", erp, clients=1, entities=("clients",))
    with HeadlessService(quick_settings(pg_store_url, webhooks=False), secrets=server_secrets,
                         data_dir=data_dir) as service:
        pc_dir = tmp_path / "admin-pc"
        pc_dir.mkdir()
        pc_secrets = SecretStore()
        pc_secrets.set(TOKEN_OWNER, Side.CRM, TOKEN_SECRET, control_token(server_secrets))
        ui_settings(pc_dir).setValue("service/url", service.control.url)
        pc_store = open_store(data_dir=pc_dir)
        pc_service = SyncService(pc_store, pc_secrets, pc_dir)
        runs = RunManager(pc_service)
        ctx = UiContext(service=pc_service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(None),
                        data_dir=pc_dir)
        schedule = _remote_schedule(pc_service)
        assert schedule is not None
        window = QWidget()
        qtbot.addWidget(window)
        tray = TrayController(ctx, window, schedule)
        try:
            assert tray.pause_action.isEnabled()
            tray.pause_action.trigger()
            qtbot.waitUntil(lambda: tray.pause_action.text() == "Resume schedule", timeout=WAIT_MS)
            with locked(pg_store) as tx:
                assert tx.paused()
            tray.pause_action.trigger()
            qtbot.waitUntil(lambda: tray.pause_action.text() == "Pause schedule", timeout=WAIT_MS)
            with locked(pg_store) as tx:
                assert not tx.paused()
        finally:
            tray.close()
            schedule.shutdown()
            runs.shutdown(timeout=10)
            pc_store.close()


def _manual_office(pg_store, secrets, tmp_path, erp):
    import dataclasses

    from erpsync_gui.store.config_repo import ConfigRepo

    profile = make_profile(pg_store, secrets, tmp_path, "office", erp, clients=2, entities=("clients",))
    # the sandbox here has no currencies to map: the decision is about the other fields
    entities = tuple(dataclasses.replace(e, policy="manual", fields=tuple(f for f in e.fields
                                                                         if f.get("type") != "currency"))
                     for e in profile.entities)
    return ConfigRepo(pg_store).save_profile(dataclasses.replace(profile, entities=entities))


def _edit_both_sides(tmp_path, erp, company: str, crm_city: str, erp_city: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path / 'office-crm.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = :city WHERE company = :company"),
                     {"city": crm_city, "company": company})
    engine.dispose()
    record = next(r for r in erp.records("clients") if r["company"] == company)
    erp.edit("clients", record["id"], city=erp_city)


def test_conflicts_of_the_service_are_settled_from_the_window(
        qtbot, pg_store, pg_store_url, sandboxes, tmp_path, data_dir):
    from erpsync_gui.app.remote_service import RemoteService
    from tests.service.fleet import wait_until

    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    server_secrets = SecretStore()
    _manual_office(pg_store, server_secrets, tmp_path, erp)
    with HeadlessService(quick_settings(pg_store_url, webhooks=False), secrets=server_secrets,
                         data_dir=data_dir) as service:
        remote = RemoteService(service.control.url, control_token(server_secrets))
        try:
            def sync_and_wait(count: int) -> None:
                remote.start("office", "clients")
                wait_until(lambda: sum(r.status in ("success", "partial") for r in remote.recent_runs("office"))
                           >= count, 60, f"run {count}")

            sync_and_wait(1)
            _edit_both_sides(tmp_path, erp, "Company 1", "Brasov", "Sibiu")
            _edit_both_sides(tmp_path, erp, "Company 2", "Arad", "Iasi")
            sync_and_wait(2)
            open_ones = remote.conflicts("office")
            assert len(open_ones) == 2 and all("city" in c.differing for c in open_ones)
            first = next(c for c in open_ones if c.crm_values["company"] == "Company 1")

            # through the API: keep the ERP's values
            done = remote.resolve_conflict("office", first.id, keep="erp")
            assert (done["crm_id"], done["erp_id"]) == (first.crm_id, first.erp_id)
            assert [c.id for c in remote.conflicts("office")] != [] and first.id not in [
                c.id for c in remote.conflicts("office")]
            assert next(r for r in erp.records("clients") if r["company"] == "Company 1")["city"] == "Sibiu"

            # from the window: Skip leaves it open, Keep CRM settles it
            window = ServiceWindow(ui_settings(tmp_path), SecretStore())
            qtbot.addWidget(window)
            window.url.setText(service.control.url)
            window.token.setText(control_token(server_secrets))
            window.connect_service()
            qtbot.waitUntil(lambda: window.conflicts.rowCount() == 1 and window.keep_crm_button.isEnabled(),
                            timeout=WAIT_MS)
            window.skip_conflict()
            assert len(remote.conflicts("office")) == 1
            qtbot.mouseClick(window.keep_crm_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: remote.conflicts("office") == [], timeout=WAIT_MS)
            assert next(r for r in erp.records("clients") if r["company"] == "Company 2")["city"] == "Arad"
            qtbot.waitUntil(lambda: window.conflicts.rowCount() == 0, timeout=WAIT_MS)
            window.close()
        finally:
            remote.close()
