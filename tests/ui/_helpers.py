"""Helpers for the Sync, Logs, Dashboard and Errors page tests: the store log handler, the demo CRM
database, and waiting for page queries and runs."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.log_handler import StoreLogHandler
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.worker import running_tasks

RUN_TIMEOUT_MS = 60_000


@contextmanager
def store_logging(ctx: UiContext) -> Iterator[StoreLogHandler]:
    """The app's log lines go to the state database (as the GUI sets it up)."""
    handler = StoreLogHandler(ctx.store, secrets=ctx.secrets.known_secret_values, flush_interval=0.1)
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
