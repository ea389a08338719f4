"""`erpsync-gui --self-test`: the checks of `erpsync_gui.app.self_test`, then the ones that need Qt - the
platform plugin this OS needs, every resource (each icon drawn, the stylesheet and the icons it names, the
.ico), and the main window with each page and the About dialog drawn offscreen - all in a throwaway data
directory, with a private in-memory keyring. Prints one line per check; exit code 0 when all passed, 1 when
not. The caller has chosen the offscreen platform before Qt started."""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from PySide6.QtCore import QCoreApplication, QSize, QThreadPool
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

from erpsync_gui.app import self_test
from erpsync_gui.app.bundle_manifest import Manifest
from erpsync_gui.ui.icons import resources_dir

#: the platform plugin each OS opens real windows with (file name stem, without the lib prefix)
PLATFORM_PLUGINS = {"win32": "qwindows", "darwin": "qcocoa", "linux": "qxcb"}
SETTLE_TIMEOUT_S = 30.0
#: a drawn window has at least this many distinct colours (a blank or failed grab has one or two)
MIN_COLOURS = 8


def _plugin_names(kind: str) -> set[str]:
    names = set()
    for directory in QCoreApplication.libraryPaths():
        folder = Path(directory) / kind
        if folder.is_dir():
            names.update(p.name.split(".")[0].removeprefix("lib") for p in folder.iterdir() if p.is_file())
    return names


def check_platform_plugins(platform: str | None = None) -> str:
    """The plugin that opens windows on this OS, and the offscreen one the self-test draws with."""
    key = platform or sys.platform
    wanted = {PLATFORM_PLUGINS.get(key, PLATFORM_PLUGINS["linux"]), "qoffscreen"}
    found = _plugin_names("platforms")
    missing = wanted - found
    if missing:
        raise RuntimeError(f"Qt platform plugin(s) {', '.join(sorted(missing))} missing "
                           f"(found: {', '.join(sorted(found)) or 'none'})")
    return ", ".join(sorted(wanted))


def _distinct_colours(image: QImage, step: int = 7) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
            if len(colours) >= MIN_COLOURS:
                return len(colours)
    return len(colours)


def check_resources(resources: Path, manifest: Manifest | None) -> str:
    """Every resource the build should hold is there and loads: icons draw, the stylesheet's icons exist,
    the Windows icon reads."""
    if manifest is None:
        raise RuntimeError("the bundle has no resource manifest (the build did not write it)")
    missing = [name for name in manifest.resources if not (resources / name).is_file()]
    if missing:
        raise RuntimeError(f"missing from {resources}: {', '.join(missing)}")
    broken = []
    svgs = [name for name in manifest.resources if name.endswith(".svg")]
    for name in svgs:
        text = (resources / name).read_text(encoding="utf-8").replace("currentColor", "#000000")
        renderer = QSvgRenderer(text.encode("utf-8"))
        if not renderer.isValid():
            broken.append(name)
    style = (resources / "style.qss").read_text(encoding="utf-8")
    for name in sorted(set(re.findall(r"%ICONS%/([\w.-]+)", style))):
        if not (resources / "icons" / name).is_file():
            broken.append(f"style.qss -> icons/{name}")
    icons_ico = [name for name in manifest.resources if name.endswith(".ico")]
    for name in icons_ico:
        reader = QImageReader(str(resources / name))
        if reader.imageCount() < 1 or reader.read().isNull():
            broken.append(f"{name} ({reader.errorString()})")
    if broken:
        raise RuntimeError(f"cannot load {', '.join(broken)}")
    return f"{len(manifest.resources)} files: {len(svgs)} icons drawn, stylesheet and {len(icons_ico)} .ico read"


def _pump(app: QCoreApplication, until: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            return True
        time.sleep(0.005)
    return False


def _drawn(widget: QWidget, what: str) -> QSize:
    pixmap: QPixmap = widget.grab()
    if pixmap.isNull() or pixmap.width() == 0:
        raise RuntimeError(f"{what} could not be drawn")
    if _distinct_colours(pixmap.toImage()) < MIN_COLOURS:
        raise RuntimeError(f"{what} was drawn blank")
    return pixmap.size()


def check_window(ctx) -> str:
    """The main window with every page, then the About dialog, drawn offscreen."""
    from erpsync_gui.ui.main_window import MainWindow
    from erpsync_gui.ui.widgets.worker import running_tasks

    app = QApplication.instance()
    window = MainWindow(ctx)
    try:
        window.resize(1240, 780)
        window.show()
        size = QSize()
        for index, page in enumerate(window.pages):
            window.show_page(index)
            if not _pump(app, lambda: running_tasks() == 0, SETTLE_TIMEOUT_S):
                raise RuntimeError(f"the {type(page).title} page did not finish loading in {SETTLE_TIMEOUT_S:g} s")
            size = _drawn(window, f"the main window on the {type(page).title} page")
        about = window.show_about()
        app.processEvents()
        _drawn(about, "the About dialog")
        about.close()
        return f"{len(window.pages)} pages and the About dialog drawn at {size.width()}x{size.height()}"
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()


def _run_with_store(test: self_test.SelfTest, data_dir: Path) -> None:
    """The checks that need the state store: store, scheduler, window (each only when the one before worked)."""
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.scheduler import SyncScheduler
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.config_repo import ConfigRepo
    from erpsync_gui.ui.bridge import RunBridge
    from erpsync_gui.ui.context import ProfileState, UiContext

    opened: list = []
    if not test.run("state store", lambda: _keep(opened, self_test.check_store(data_dir))):
        return
    store = opened[0]
    service = runs = scheduler = None
    try:
        with self_test.private_keyring():
            service = SyncService(store, SecretStore(), data_dir)
            ConfigRepo(store).save_profile(self_test.self_test_profile(data_dir))
            runs = RunManager(service)
            scheduler = SyncScheduler(service, runs, store)
            if not test.run("scheduler", lambda: self_test.check_scheduler(scheduler)):
                scheduler.shutdown()
                scheduler = None
            ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs),
                            profile=ProfileState(self_test.SELF_TEST_PROFILE), data_dir=data_dir, scheduler=scheduler)
            test.run("main window", lambda: check_window(ctx))
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        if runs is not None:
            runs.shutdown()
        QThreadPool.globalInstance().waitForDone(30_000)
        if service is not None:
            service.close()
        store.close()


def _keep(into: list, result: tuple) -> str:
    value, detail = result
    into.append(value)
    return detail


def run_self_test(out: TextIO | None = None, report: Path | None = None) -> int:
    """All checks in order; prints the report (and writes it to `report` when given). 0 when all passed."""
    from erpsync_gui.ui.app import make_application

    make_application([sys.argv[0] if sys.argv else "erpsync-gui"])
    test = self_test.SelfTest()
    resources = resources_dir()
    manifest = self_test.expected_manifest(resources)
    test.run("imports", lambda: self_test.check_imports(manifest))
    test.run("keyring", self_test.check_keyring)
    test.run("TLS certificates", self_test.check_tls)
    test.run("database drivers", self_test.check_drivers)
    test.run("start at login", self_test.check_autostart)
    test.run("Qt platform plugins", check_platform_plugins)
    test.run("resources", lambda: check_resources(resources, manifest))
    with tempfile.TemporaryDirectory(prefix="erpsync-self-test-", ignore_cleanup_errors=True) as tmp:
        _run_with_store(test, Path(tmp))
    text = test.report()
    stream = out if out is not None else sys.stdout
    if stream is not None:  # a windowed Windows build has no console to print to: --report then tells
        print(text, file=stream, flush=True)
    if report is not None:
        report.write_text(text + "\n", encoding="utf-8")
    return 0 if test.passed else 1
