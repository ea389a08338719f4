"""Hosting one profile's receiver and poller: in the desktop app for the active profile (restarted when another
profile becomes active or its settings are saved, stopped on quit), and in the headless service for each
profile whose receiver is enabled. Built with the wiring of wiring.py; the poll runs on a thread of its own
so a slow system never holds up the window or the service's control API."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from erpsync_gui.app.service import SyncService
from erpsync_gui.app.webhooks.listener import WebhookListener
from erpsync_gui.app.webhooks.poll import Poller
from erpsync_gui.app.webhooks.receiver import SyncFn
from erpsync_gui.app.webhooks.settings import WebhookSettings
from erpsync_gui.app.webhooks.wiring import build_listener, build_poller
from erpsync_gui.errors import ERPSyncError

log = logging.getLogger("erpsync.webhooks")

LISTENING, STOPPED, ERROR, OFF = "listening", "stopped", "error", "off"
#: the longest the poll thread sleeps before it looks again whether it is due or asked to stop
POLL_CHECK_S = 30.0


@dataclass(frozen=True)
class HostState:
    """What the window shows of the receiver."""

    profile: str | None
    #: listening, stopped, error (see message) or off (the profile's receiver is not enabled)
    state: str
    message: str | None = None
    #: the address to give the CRM, with its secret path token (for the admin's eyes only)
    url: str | None = None
    kind: str | None = None
    poll_minutes: float | None = None


class WebhookHost:
    def __init__(self, service: SyncService, *, port: int | None = None, poll: bool = True,
                 poll_check_s: float = POLL_CHECK_S, sync_for: Callable[[str], SyncFn] | None = None,
                 poller_for: Callable[[str, WebhookSettings], Poller] | None = None) -> None:
        """`sync_for(profile)` and `poller_for(profile, settings)` replace the runs in this process (the headless
        service queues them as tasks instead)."""
        self.service = service
        self._sync_for = sync_for
        self._poller_for = poller_for or (lambda name, settings: build_poller(service, name, settings=settings))
        self._port = port
        self._poll_enabled = poll
        self._poll_check_s = poll_check_s
        self._lock = threading.RLock()
        self._listener: WebhookListener | None = None
        self._poller: Poller | None = None
        self._poll_thread: threading.Thread | None = None
        self._poll_stop = threading.Event()
        self._state = HostState(None, STOPPED)
        #: called with the new state after each change (on the thread that made it)
        self.listeners: list[Callable[[HostState], None]] = []

    @property
    def state(self) -> HostState:
        with self._lock:
            return self._state

    @property
    def listener(self) -> WebhookListener | None:
        with self._lock:
            return self._listener

    def follow(self, profile_name: str | None) -> HostState:
        """Host `profile_name`'s receiver (stopping the one hosted before); None hosts none."""
        with self._lock:
            self._stop_locked()
            if profile_name:
                self._start_locked(profile_name)
            else:
                self._state = HostState(None, STOPPED)
            state = self._state
        self._notify(state)
        return state

    def reload(self, profile_name: str) -> HostState:
        """The profile's settings were saved: start again with them when it is the one hosted."""
        if profile_name != self.state.profile:
            return self.state
        return self.follow(profile_name)

    def stop(self) -> None:
        """Stop the receiver and the poll (at quit): events still waiting are synced at the next start."""
        with self._lock:
            profile = self._state.profile
            self._stop_locked()
            self._state = HostState(profile, STOPPED, "the app stopped the receiver")
            state = self._state
        self._notify(state)

    # -- inside the lock -----------------------------------------------------------------------
    def _start_locked(self, name: str) -> None:
        try:
            profile = self.service.profile(name)
            settings = WebhookSettings.of(profile)
        except ERPSyncError as exc:
            self._state = HostState(name, ERROR, str(exc))
            return
        if not settings.enabled:
            self._state = HostState(name, OFF, "the webhook receiver is not enabled for this profile",
                                    kind=settings.kind, poll_minutes=settings.poll_minutes)
            return
        try:
            sync = self._sync_for(name) if self._sync_for is not None else None
            listener, token = build_listener(self.service, name, settings=settings, port=self._port, sync=sync)
            listener.start()
        except ERPSyncError as exc:
            log.error("The webhook receiver of profile %r did not start: %s", name, exc,
                      extra={"profile_id": profile.id})
            self._state = HostState(name, ERROR, str(exc), kind=settings.kind, poll_minutes=settings.poll_minutes)
            return
        self._listener = listener
        self._state = HostState(name, LISTENING, None, listener.url(token), settings.kind, settings.poll_minutes)
        if self._poll_enabled:
            self._poller = self._poller_for(name, settings)
            self._poll_stop = threading.Event()
            self._poll_thread = threading.Thread(target=self._poll_loop, args=(self._poller, self._poll_stop),
                                                 name="webhook-poll", daemon=True)
            self._poll_thread.start()

    def _stop_locked(self) -> None:
        self._poll_stop.set()
        if self._poll_thread is not None:
            self._poll_thread.join(timeout=30)
            self._poll_thread = None
        self._poller = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def _poll_loop(self, poller: Poller, stop: threading.Event) -> None:
        # the first poll is one interval after the start: a start (of the app, or a switch of profile) is no
        # reason to read both systems whole, and events queued before a stop are synced by the receiver
        poller.wait_first()
        while not stop.wait(min(poller.seconds_left(), self._poll_check_s)):
            try:
                for result in poller.run_due():
                    if result.status not in ("success", "busy"):
                        log.warning("polling %s: %s (%s)", result.entity, result.status, result.message or "")
            except Exception:  # the poll must outlive a bug; the log says what happened
                log.exception("polling failed")

    def _notify(self, state: HostState) -> None:
        for callback in list(self.listeners):
            try:
                callback(state)
            except Exception:
                log.exception("a webhook state listener failed")
