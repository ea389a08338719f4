"""Helpers for the Sync, Logs, Dashboard and Errors page tests: the store log handler, the demo CRM
database, and waiting for page queries and runs."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from erpsync_gui.app.run_context import RunContextFilter
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.log_handler import StoreLogHandler
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.worker import running_tasks

RUN_TIMEOUT_MS = 60_000
#: the window a maximized one gets (without the taskbar and the title bar), in logical pixels
SCREENS = {"1366x768": (1366, 768 - 40 - 31), "1920x1080 at 150%": (1280, 720 - 32 - 31)}


@contextmanager
def store_logging(ctx: UiContext) -> Iterator[StoreLogHandler]:
    """The app's log lines go to the state database (as the GUI sets it up)."""
    handler = StoreLogHandler(ctx.store, secrets=ctx.secrets.known_secret_values, flush_interval=0.1)
    handler.addFilter(RunContextFilter())
    logger = logging.getLogger("erpsync")
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        handler.close()


@contextmanager
def crm_database(ctx: UiContext) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{ctx.data_dir / 'demo' / 'crm.sqlite'}")
    try:
        yield engine
    finally:
        engine.dispose()


def change_entity(ctx: UiContext, entity: str, **changes) -> None:
    """Save the demo profile with one entity's settings changed."""
    profile = ctx.service.profile("demo")
    entities = tuple(dataclasses.replace(e, **changes) if e.entity == entity else e for e in profile.entities)
    ConfigRepo(ctx.store).save_profile(dataclasses.replace(profile, entities=entities))


def settle(qtbot) -> None:
    """Wait until every page query has delivered its answer."""
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=RUN_TIMEOUT_MS)


@contextmanager
def answering(button: str, timeout_ms: int = 10_000) -> Iterator[list[str]]:
    """Inside the block, the next message box that opens is answered by clicking its button `button` (its text
    without the access-key "&"), as a person would; yields the texts of the boxes answered."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []
    deadline = time.monotonic() + timeout_ms / 1000

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            seen.append(f"{box.text()}\n{box.informativeText()}")
            target = next(b for b in box.buttons() if b.text().replace("&", "") == button)
            QTest.mouseClick(target, Qt.MouseButton.LeftButton)
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    yield seen


def click(qtbot, widget) -> None:
    """A left click on the widget, as a person makes it."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def break_erp(ctx: UiContext) -> None:
    """Point the demo profile's ERP at a port where nothing listens, without retries."""
    profile = ctx.service.profile("demo")
    broken = dataclasses.replace(profile.erp, url="http://127.0.0.1:9/", retries=0)
    ConfigRepo(ctx.store).save_profile(dataclasses.replace(profile, erp=broken))


def quota_of_erp(ctx: UiContext, monkeypatch, per_day: int = 4) -> None:
    """The demo profile's ERP allows `per_day` requests a day (on a private rate-limit registry, so no other
    test shares the day's count), in batches of 5 so that a client import needs more than that."""
    from erpsync_gui.http import ratelimit

    monkeypatch.setattr(ratelimit, "REGISTRY", ratelimit.LimiterRegistry(clock=lambda: 1_800_000_000.0))
    profile = ctx.service.profile("demo")
    erp = dataclasses.replace(profile.erp, options={**profile.erp.options, "rate_limits": {"per_day": per_day}})
    entities = tuple(dataclasses.replace(e, batch_size=5) for e in profile.entities)
    ConfigRepo(ctx.store).save_profile(dataclasses.replace(profile, erp=erp, entities=entities))
