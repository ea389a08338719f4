"""The service on Windows: pywin32's service framework, hosted by this Python (`python -m` this module) so a
venv or an installed Python works alike, or by the frozen app itself (`ERPSync.exe --windows-service`, see
win_launch.py). Imported on Windows only.

The service reads its settings (the PostgreSQL store's URL first) from service.toml in its data directory
(%ProgramData%\\ERPSync unless installed with another). Until the store can be reached it reports running and
tries again every RETRY_S seconds, logging why: at boot the database may come up after it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

import servicemanager
import win32service
import win32serviceutil

from erpsync_gui.app.headless.win_launch import is_frozen, service_command_line
from erpsync_gui.errors import ERPSyncError

log = logging.getLogger("erpsync.service")

SERVICE_NAME = "ERPSync"
RETRY_S = 30.0
_data_dir: Path | None = None


def machine_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.site_data_dir("ERPSync", appauthor=False))


class ErpSyncWindowsService(win32serviceutil.ServiceFramework):
    _svc_name_ = SERVICE_NAME
    _svc_display_name_ = "ERPSync service"
    _svc_description_ = "Keeps the CRM and the ERP in sync: schedule, webhook receivers, control API and workers."
    _exe_name_, _exe_args_ = service_command_line(frozen=is_frozen(), executable=sys.executable,
                                                  data_dir=machine_data_dir())

    def __init__(self, args: list[str]) -> None:
        super().__init__(args)
        self._stopping = threading.Event()

    def SvcStop(self) -> None:
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        self._stopping.set()

    def SvcDoRun(self) -> None:
        servicemanager.LogInfoMsg(f"{SERVICE_NAME} starting")
        run_until(self._stopping, _data_dir or machine_data_dir())
        servicemanager.LogInfoMsg(f"{SERVICE_NAME} stopped")


def run_until(stopping: threading.Event, data_dir: Path) -> None:
    """Run the headless service until `stopping` is set, starting it again after a failure."""
    from erpsync_gui.app.headless.process import HeadlessService
    from erpsync_gui.app.headless.service_log import close_service_log, open_service_log
    from erpsync_gui.app.headless.settings import SETTINGS_FILE, ServiceSettings
    from erpsync_gui.secrets import SecretStore

    data_dir.mkdir(parents=True, exist_ok=True)
    secrets = SecretStore()
    handler = open_service_log(data_dir, secrets.known_secret_values)
    try:
        while not stopping.is_set():
            try:
                settings = ServiceSettings.load(data_dir / SETTINGS_FILE, {})
                service = HeadlessService(settings, secrets=secrets, data_dir=data_dir).start()
            except ERPSyncError as exc:
                log.error("The service cannot start yet (%s); trying again in %.0f s", exc, RETRY_S)
                stopping.wait(RETRY_S)
                continue
            try:
                while not stopping.wait(1.0) and not service.wait(0):
                    pass
            finally:
                service.stop()
    finally:
        close_service_log(handler)


def control(action: str, data_dir: Path, store_url: str | None) -> int:
    """install, start, stop, remove the Windows service (install: started automatically at boot)."""
    del store_url  # the service reads it from service.toml in its data directory
    if action == "install":
        ErpSyncWindowsService._exe_name_, ErpSyncWindowsService._exe_args_ = service_command_line(
            frozen=is_frozen(), executable=sys.executable, data_dir=machine_data_dir())
        argv = ["erpsync", "--startup", "auto", "install"]
    else:
        argv = ["erpsync", action]
    win32serviceutil.HandleCommandLine(ErpSyncWindowsService, argv=argv)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of the process the service control manager starts: hand it to pywin32's dispatcher, which
    runs the service class in it (the frozen app calls this too)."""
    global _data_dir
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    _data_dir = parser.parse_known_args(argv)[0].data_dir
    servicemanager.Initialize()
    servicemanager.PrepareToHostSingle(ErpSyncWindowsService)
    servicemanager.StartServiceCtrlDispatcher()


if __name__ == "__main__":
    main()
