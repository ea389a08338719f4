"""The headless service's life: open the store (migrations under an advisory lock), the task queue's schema,
then the worker with its watchdog on an event loop of its own, and, unless it only works, the schedule, the
webhook receivers and the control API. `stop` ends them in the opposite order."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

from tzlocal import get_localzone

from erpsync_gui.app.headless import queue, schedule, service_state, watchdog
from erpsync_gui.app.headless.change_listener import ChangeListener
from erpsync_gui.app.headless.control_api import ControlApi, ControlServer
from erpsync_gui.app.headless.runtime import Runtime, build_runtime, install
from erpsync_gui.app.headless.settings import ServiceSettings, control_token
from erpsync_gui.app.headless.webhook_runs import queued_poller, queued_sync
from erpsync_gui.app.webhooks.host import WebhookHost
from erpsync_gui.app.webhooks.listener import WebhookListener
from erpsync_gui.app.webhooks.settings import WebhookSettings
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.http.ratelimit import keep_counts_in
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import Store, open_store
from erpsync_gui.store.log_handler import StoreLogHandler

log = logging.getLogger("erpsync.service")
READY_TIMEOUT_S = 60.0


class HeadlessService:
    def __init__(self, settings: ServiceSettings, *, secrets: SecretStore, data_dir: Path) -> None:
        if not settings.store_url:
            raise ConfigError("the service needs a PostgreSQL state store",
                              hint="give --store-url postgresql+psycopg://user@host/database")
        queue.conninfo(settings.store_url)  # ConfigError for a database that is not PostgreSQL
        self.settings = settings
        self.secrets = secrets
        self.data_dir = data_dir
        self.name = settings.name or f"{socket.gethostname()}-{os.getpid()}"
        self.store: Store | None = None
        self.runtime: Runtime | None = None
        self.control: ControlServer | None = None
        self.listeners: dict[str, WebhookListener] = {}
        #: the receiver and the poll of each profile whose receiver is enabled
        self.hosts: dict[str, WebhookHost] = {}
        self._app: Any = None
        self._store_log: StoreLogHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: Any = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._changes: ChangeListener | None = None

    # -- start -------------------------------------------------------------------------------------
    def start(self) -> HeadlessService:
        url = str(self.settings.store_url)
        self.store = open_store(url, data_dir=self.data_dir)
        keep_counts_in(self.data_dir)  # a daily quota spent before a restart of the service stays spent
        try:
            # the control API's log view reads the log table: every run's lines go there, redacted
            self._store_log = StoreLogHandler(self.store, secrets=self.secrets.known_secret_values)
            product = logging.getLogger("erpsync")
            product.addHandler(self._store_log)
            if product.getEffectiveLevel() > logging.INFO:
                product.setLevel(logging.INFO)
            client = queue.client_app(url)
            queue.ensure_schema(self.store, client)
            self.runtime = build_runtime(self.store, self.secrets, self.data_dir, client)
            install(self.runtime)
            self._app = queue.worker_app(url)
            profiles = self.runtime.service.config.list_profiles()
            schedule.register_schedules(self._app, self.settings.tick_cron)
            self._start_worker()
            if not self.settings.worker_only:
                self.reload_schedule()
                self._changes = ChangeListener(queue.conninfo(url), self.reload_schedule).start()
                self._start_control()
                if self.settings.webhooks:
                    self._start_webhooks(profiles)
        except BaseException:
            self.stop()
            raise
        log.info("ERPSync service %s started: %s, %d workers%s", self.name,
                 "worker only" if self.settings.worker_only
                 else f"{sum(p.schedule.enabled for p in profiles)} schedules",
                 self.settings.concurrency,
                 f", control API {self.control.url}" if self.control is not None else "")
        return self

    def reload_schedule(self) -> None:
        """Plan the schedules saved since the last look (called at start and on each notice of a save)."""
        if self.runtime is None:
            return
        planned = schedule.reload(self.runtime.store, self.runtime.service.config.list_profiles(),
                                  service_state.now_utc(), get_localzone())
        if planned:
            log.info("Schedule of %s planned anew", ", ".join(repr(name) for name in planned))

    def _start_worker(self) -> None:
        self._thread = threading.Thread(target=self._work, name="erpsync-worker", daemon=True)
        self._thread.start()
        if not self._ready.wait(READY_TIMEOUT_S) or self._failure is not None:
            raise ConfigError(f"the worker did not start: {self._failure or 'no answer from the task queue'}")

    def _work(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(), or logged when the worker dies later
            self._failure = exc
            log.exception("the worker stopped")
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        from procrastinate.worker import Worker

        settings = self.settings
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self._app.open_async():
            self._worker = Worker(app=self._app, name=self.name, concurrency=settings.concurrency,
                                  install_signal_handlers=False, update_heartbeat_interval=settings.heartbeat_s,
                                  stalled_worker_timeout=settings.stalled_after_s,
                                  fetch_job_polling_interval=settings.poll_s,
                                  abort_job_polling_interval=min(settings.poll_s, 1.0),
                                  shutdown_graceful_timeout=settings.stop_timeout_s)
            watch = asyncio.create_task(watchdog.watch(self._app, interval_s=settings.watch_interval_s,
                                                       stalled_after_s=settings.stalled_after_s, stop=self._stop))
            self._ready.set()
            try:
                await self._worker.run()
            finally:
                self._stop.set()
                await watch

    def _start_control(self) -> None:
        assert self.runtime is not None
        api = ControlApi(self.runtime, control_token(self.secrets), worker_name=self.name)
        self.control = ControlServer(api, self.settings).start()

    def _start_webhooks(self, profiles: list) -> None:
        assert self.runtime is not None
        for profile in profiles:
            try:
                settings = WebhookSettings.of(profile)
                if not settings.enabled:
                    continue
                runtime = self.runtime
                host = WebhookHost(runtime.service, sync_for=functools.partial(queued_sync, runtime),
                                   poller_for=functools.partial(queued_poller, runtime))
                state = host.follow(profile.name)
                if host.listener is None:
                    raise ConfigError(state.message or "the receiver did not start")
                self.hosts[profile.name] = host
                self.listeners[profile.name] = host.listener
            except ERPSyncError as exc:
                log.error("The webhook receiver of profile %r did not start: %s", profile.name, exc,
                          extra={"profile_id": profile.id})

    # -- running and stopping ----------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker has stopped (True) or `timeout` passes (False)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Stop taking calls and jobs; running syncs get `stop_timeout_s` to end."""
        for host in self.hosts.values():
            host.stop()
        self.hosts.clear()
        self.listeners.clear()
        if self._changes is not None:
            self._changes.stop()
            self._changes = None
        if self.control is not None:
            self.control.stop()
            self.control = None
        if self._loop is not None and self._worker is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._worker.stop)
        if self._thread is not None:
            self._thread.join(self.settings.stop_timeout_s + 10)
            self._thread = None
        install(None)
        if self.runtime is not None:
            self.runtime.service.close()
            self.runtime.client.close()
            self.runtime = None
        if self._store_log is not None:
            logging.getLogger("erpsync").removeHandler(self._store_log)
            self._store_log.close()
            self._store_log = None
        if self.store is not None:
            self.store.close()
            self.store = None
        log.info("ERPSync service %s stopped", self.name)

    def __enter__(self) -> HeadlessService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
