"""Which keyring backend holds the secrets: keyring's own choice, made without its costly detour.

keyring picks a backend the first time it is asked: the one PYTHON_KEYRING_BACKEND names, else the one its
config file (keyringrc.cfg) names, else the highest-priority backend among all it can load through its entry
points. That last step imports every registered backend, including those of other platforms: on Linux the
macOS backend's module looks for the Security framework with `ctypes.util.find_library`, which runs ldconfig
and the C compiler (0.1 to 0.5 s of every command). Here the environment variable and the config file are read
the same way; the detection then skips keyring's own backends that serve one other platform only (their
`priority` refuses any other platform, so none could be chosen) and loads every other entry point as keyring
does, third-party backends included. Of the candidates the usable one with the highest priority is kept, as
SecretStore used to take the first usable member of keyring's chain.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import keyring
import keyring.core
from keyring.backend import KeyringBackend, by_priority
from keyring.backends import chainer, fail

log = logging.getLogger(__name__)

#: the entry point group keyring loads its backends from
GROUP = "keyring.backends"
#: keyring's backends that work on one platform only (module -> sys.platform): importing one elsewhere
#: costs time and its `priority` refuses there anyway
PLATFORM_ONLY = {"keyring.backends.macOS": "darwin", "keyring.backends.Windows": "win32"}

_UNSET = object()
_lock = threading.Lock()


def current_backend(is_refused: Callable[[KeyringBackend], bool]) -> KeyringBackend:
    """keyring.get_keyring(), the backend detected here the first time when nothing has set one (a test's
    keyring.set_keyring, or an earlier call); `is_refused` tells backends that do not count as a keyring."""
    with _lock:
        # keyring keeps its choice in this module variable; a keyring without it is asked the usual way
        if getattr(keyring.core, "_keyring_backend", _UNSET) is None:
            keyring.set_keyring(detect(is_refused))
    return keyring.get_keyring()


def detect(is_refused: Callable[[KeyringBackend], bool], *, platform: str | None = None,
           entry_points: Iterable[Any] | None = None,
           classes: Callable[[], Iterable[type[KeyringBackend]]] | None = None) -> KeyringBackend:
    """The configured backend (environment, then keyring's config file), else the best detected one. The
    keyword arguments stand in for the machine in tests."""
    configured = keyring.core.load_env() or keyring.core.load_config()
    if configured is not None:
        return configured
    load_plugins(platform or sys.platform, entry_points)
    viable = classes() if classes is not None else KeyringBackend.get_viable_backends()
    return choose(_instances(viable), is_refused)


def load_plugins(platform: str, entry_points: Iterable[Any] | None = None) -> list[str]:
    """Import the registered backends as keyring does (calling a plugin's entry point when it is a function),
    except keyring's own backends of other platforms. Returns the names loaded."""
    loaded = []
    points = entry_points if entry_points is not None else importlib.metadata.entry_points(group=GROUP)
    for point in points:
        module = str(point.value).split(":")[0].strip()
        if PLATFORM_ONLY.get(module, platform) != platform:
            continue
        try:
            init = point.load()
            if callable(init):
                init()
        except Exception:  # a broken plugin is keyring's log line too, never the end of the command
            log.exception("the keyring backend %s could not be loaded", point.name)
            continue
        loaded.append(str(point.name))
    return loaded


def _instances(classes: Iterable[type[KeyringBackend]]) -> list[KeyringBackend]:
    """An instance of each backend class that needs no arguments (keyring skips the others the same way)."""
    backends = []
    for cls in classes:
        if issubclass(cls, chainer.ChainerBackend):
            continue  # the chain holds the same backends; the best one of them is taken directly
        try:
            backends.append(cls())
        except TypeError:
            continue
    return backends


def choose(backends: Iterable[KeyringBackend], is_refused: Callable[[KeyringBackend], bool]) -> KeyringBackend:
    """The usable backend of the highest priority; when there is none, the best refused one (or keyring's
    fail backend), which SecretStore then reports as no OS keyring."""
    ranked = sorted((b for b in backends if _priority(b) > 0), key=by_priority, reverse=True)
    usable = [b for b in ranked if not is_refused(b)]
    if usable:
        return usable[0]
    return ranked[0] if ranked else fail.Keyring()


def _priority(backend: KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:  # a backend that cannot say is not a candidate (keyring drops it as not viable)
        return 0.0
