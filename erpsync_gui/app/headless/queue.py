"""The task queue: procrastinate apps on the state store's PostgreSQL database, and its schema applied once.

Two apps share one database: the worker app (an async pool; it runs tasks) and a client app on a synchronous
pool, which defers jobs by task name and reads or cancels them from any thread (control API, webhook
dispatcher, the tasks themselves) without reaching into the worker's event loop.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from erpsync_gui.errors import ConfigError, StoreError
from erpsync_gui.store.db import Store, advisory_lock

log = logging.getLogger("erpsync.service")

#: the advisory lock key held while procrastinate's schema is applied ("ERPSync2")
SCHEMA_LOCK_KEY = 0x4552_5053_796E_6332


def _procrastinate() -> Any:
    try:
        import procrastinate
    except ImportError:
        raise ConfigError("the service needs procrastinate", hint="install the service extra: "
                          "pip install 'erpsync[service]'") from None
    return procrastinate


def conninfo(store_url: str) -> str:
    """The libpq URI of a PostgreSQL SQLAlchemy URL; ConfigError for any other database."""
    url = make_url(store_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("the service keeps its task queue in the state database, which must be PostgreSQL",
                          hint="give --store-url postgresql+psycopg://user@host/database")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def worker_app(store_url: str) -> Any:
    """The app workers run: every ERPSync task registered, connections from an async pool."""
    procrastinate = _procrastinate()
    from erpsync_gui.app.headless.tasks import register_tasks

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(store_url)))
    register_tasks(app)
    return app


def client_app(store_url: str) -> Any:
    """An opened app on a synchronous pool, for deferring jobs by name and reading them from any thread."""
    procrastinate = _procrastinate()
    from procrastinate.sync_psycopg_connector import SyncPsycopgConnector

    app = procrastinate.App(connector=SyncPsycopgConnector(conninfo=conninfo(store_url), min_size=1, max_size=4))
    return app.open()


def ensure_schema(store: Store, app: Any) -> bool:
    """Apply procrastinate's schema (and the service's state table) to the store's database once, under an
    advisory lock so workers starting together do not race; True when this call applied procrastinate's."""
    if store.engine.dialect.name != "postgresql":
        raise ConfigError("the service's task queue needs a PostgreSQL state store")
    try:
        with advisory_lock(store.engine, SCHEMA_LOCK_KEY) as conn:
            assert conn is not None
            from erpsync_gui.app.headless.service_state import ensure_table

            ensure_table(conn)
            present = conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one()
            conn.commit()
            if present:
                return False
            app.schema_manager.apply_schema()
            log.info("The task queue's tables were created in the state database")
            return True
    except Exception as exc:
        if isinstance(exc, ConfigError):
            raise
        raise StoreError(f"the task queue's schema cannot be applied: {exc}") from exc
