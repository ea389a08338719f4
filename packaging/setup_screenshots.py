"""Screenshots of a first start for the README: the welcome page and each step of the connection wizard, driven
as a person does against the sandbox ERP and a SQLite CRM in a fresh data directory, under Xvfb.

    python packaging/setup_screenshots.py [--out resources/screenshots] [--size 1366x768] [--scale 1.5]
                                          [--suffix -150]

Saves welcome.png and wizard-1-systems.png … wizard-8-summary.png (with the suffix given). --scale sets
QT_SCALE_FACTOR (150 %: --scale 1.5). Needs the Debian packages xvfb and the xcb libraries.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import SIZE, TASKBAR, TITLE_BAR, _size, pump, start_xvfb  # noqa: E402 - after the path


def shoot(out: Path, data_dir: Path, logical: tuple[int, int], suffix: str) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWizard

    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.records import Side
    from erpsync_gui.sandbox.demo_crm import create_demo_crm
    from erpsync_gui.sandbox.seed_data import overlap_clients
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.db import open_store
    from erpsync_gui.ui import theme
    from erpsync_gui.ui.app import load_style, make_application
    from erpsync_gui.ui.bridge import RunBridge
    from erpsync_gui.ui.context import ProfileState, UiContext
    from erpsync_gui.ui.main_window import MainWindow

    app = make_application([])
    load_style(app, theme.LIGHT)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(data_dir=data_dir / "state")
    # a keyring in memory: the screenshots never touch the real one
    import keyring
    from keyring.backend import KeyringBackend

    class _Memory(KeyringBackend):
        priority = 1
        entries: ClassVar[dict] = {}  # one store for every instance keyring makes

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            self.entries.pop((service, username), None)

    keyring.set_keyring(_Memory())
    service = SyncService(store, SecretStore(), data_dir / "state")
    erp_url = service.sandbox.start().url
    crm = data_dir / "office-crm.sqlite"
    create_demo_crm(crm, overlap_clients(25))
    runs = RunManager(service)
    ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(None),
                    data_dir=data_dir / "state")
    saved: list[Path] = []

    def save(widget, name: str) -> None:
        pump(app, 0.4)
        path = out / f"{name}{suffix}.png"
        widget.grab().save(str(path))
        saved.append(path)

    window = MainWindow(ctx)
    window.resize(logical[0], logical[1] - TASKBAR - TITLE_BAR)
    window.move(0, 0)
    window.show()
    save(window, "welcome")
    try:
        QTest.mouseClick(window.profile_actions.welcome.page.wizard_button, Qt.MouseButton.LeftButton)
        wizard = window.profile_actions.wizard
        wizard.resize(min(980, logical[0]), min(660, logical[1] - TASKBAR - TITLE_BAR))
        pump(app, 0.3)

        def next_page() -> None:
            button = wizard.button(QWizard.WizardButton.NextButton)
            pump(app, 15, button.isEnabled)
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)

        def type_into(page, key: str, text: str) -> None:
            page.form.inputs[key].clear()
            QTest.keyClicks(page.form.inputs[key], text)

        QTest.keyClicks(wizard.systems.name_edit, "Head office")
        wizard.systems.select(Side.CRM, "sql")
        wizard.systems.select(Side.ERP, "rest")
        save(wizard, "wizard-1-systems")
        next_page()
        page = wizard.connections[Side.CRM]
        type_into(page, "url", f"sqlite:///{crm.as_posix()}")
        type_into(page, "options.preset", "perfex")
        QTest.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        pump(app, 15, lambda: page.result is not None)
        save(wizard, "wizard-2-crm")
        next_page()
        page = wizard.connections[Side.ERP]
        type_into(page, "url", erp_url)
        type_into(page, "secret:token", DEMO_AUTH_TOKEN)
        type_into(page, "secret:client_token", DEMO_CLIENT_TOKEN)
        QTest.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        pump(app, 15, lambda: page.result is not None)
        save(wizard, "wizard-3-erp")
        next_page()
        pump(app, 15, lambda: bool(wizard.entities.names))
        save(wizard, "wizard-4-entities")
        next_page()
        pump(app, 15, lambda: wizard.currencies.loaded)
        save(wizard, "wizard-5-currencies")
        next_page()
        if wizard.currentPage() is wizard.perfex:  # a Perfex CRM: its reference rows for new tickets and leads
            pump(app, 15, lambda: wizard.perfex.loaded)
            save(wizard, "wizard-5b-perfex")
            next_page()
        pump(app, 60, lambda: wizard.first_look.loaded)
        save(wizard, "wizard-6-first-look")
        next_page()
        QTest.mouseClick(wizard.schedule.every, Qt.MouseButton.LeftButton)
        wizard.schedule.window.setChecked(True)
        save(wizard, "wizard-7-schedule")
        next_page()
        save(wizard, "wizard-8-summary")
        wizard.reject()
    finally:
        window.shutdown()
        window.deleteLater()
        pump(app, 0.3)
        service.close()
        store.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    p.add_argument("--size", type=_size, default=SIZE)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--suffix", default="")
    args = p.parse_args(argv)
    xvfb, os.environ["DISPLAY"] = start_xvfb(args.size)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    logical = (round(args.size[0] / args.scale), round(args.size[1] / args.scale))
    try:
        with tempfile.TemporaryDirectory(prefix="erpsync-setup-shots-") as tmp:
            for path in shoot(args.out.resolve(), Path(tmp), logical, args.suffix):
                print(path)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
