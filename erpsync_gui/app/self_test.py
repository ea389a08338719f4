"""`erpsync-gui --self-test`, the part without Qt: checks that an installation (above all a frozen one) has
everything the app loads - every module, the database drivers, the TLS certificates, the keyring backend of
this OS, the migrations (applied to a new state database in a throwaway directory), the scheduler and the
start-at-login command. The user's own data, keyring entries and login settings are never read or written.

Each check gives a `Check`; `SelfTest.run` turns any exception into a failed one, so one broken part never
hides the others. The window and resource checks live in `erpsync_gui.ui.self_test_window`.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import ssl
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.compat import properties

from erpsync_gui.app import autostart
from erpsync_gui.app.bundle_manifest import (
    Manifest,
    bundled_manifest,
    for_this_platform,
    imported_modules,
    resource_files,
    source_modules,
)

#: the OS keyring backend each platform needs (module, class) and the modules that backend imports lazily
KEYRING_BACKENDS = {
    "win32": ("keyring.backends.Windows", "WinVaultKeyring", ("win32ctypes.pywin32.win32cred",)),
    "darwin": ("keyring.backends.macOS", "Keyring", ()),
    "linux": ("keyring.backends.SecretService", "Keyring", ("secretstorage", "jeepney")),
}
#: one URL per database the store or the SQL connector supports; creating an engine loads dialect and driver
DRIVER_URLS = ("sqlite://", "postgresql+psycopg://check@127.0.0.1/check", "mysql+pymysql://check@127.0.0.1/check")
SELF_TEST_PROFILE = "self-test"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


class SelfTest:
    """Runs checks one after another and keeps their results in order."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.results: list[Check] = []
        self._clock = clock

    def run(self, name: str, check: Callable[[], str | tuple[bool, str]]) -> bool:
        """Run `check`: it returns a detail (passed), (ok, detail), or raises (failed with the reason)."""
        started = self._clock()
        try:
            outcome = check()
            ok, detail = (True, outcome) if isinstance(outcome, str) else outcome
        except Exception as exc:  # a check that breaks is a failed check, never the end of the self-test
            ok, detail = False, _reason(exc)
        self.results.append(Check(name, ok, detail, self._clock() - started))
        return ok

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(c.ok for c in self.results)

    def report(self) -> str:
        lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in self.results]
        failed = [c.name for c in self.results if not c.ok]
        total = sum(c.seconds for c in self.results)
        lines.append(f"self-test failed: {', '.join(failed)}" if failed
                     else f"self-test passed: {len(self.results)} checks in {total:.1f} s")
        return "\n".join(lines)


def _reason(exc: BaseException) -> str:
    """The exception and where it came from (the innermost frame), on one line."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def expected_manifest(resources: Path) -> Manifest | None:
    """What this installation must hold: the bundle's manifest when frozen (None when the build left it out),
    else the source tree itself."""
    if frozen():
        return bundled_manifest()
    from erpsync_gui import __version__

    return Manifest(version=__version__, modules=source_modules(), imports=imported_modules(),
                    resources=resource_files(resources))


# -- checks without Qt --------------------------------------------------------------------------------


def check_imports(manifest: Manifest | None, platform: str | None = None) -> tuple[bool, str]:
    """Import every module of the package, and every module (and imported name) it takes from elsewhere."""
    if manifest is None:
        return False, "the bundle has no module manifest (the build did not write it)"
    missing = []
    for name in manifest.modules:
        if not for_this_platform(name, platform):
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # any failure to import is what this check is for
            missing.append(f"{name} ({_reason(exc)})")
    others = 0
    for name, names in manifest.imports.items():
        if not for_this_platform(name, platform):
            continue
        others += 1
        try:
            module = importlib.import_module(name)
            for attr in names:
                if not hasattr(module, attr):
                    importlib.import_module(f"{name}.{attr}")  # a submodule taken with `from package import mod`
        except Exception as exc:
            missing.append(f"{name} ({_reason(exc)})")
    if missing:
        return False, "cannot import " + "; ".join(missing)
    return True, f"{len(manifest.modules)} modules of the package and {others} they import"


def check_drivers(urls: tuple[str, ...] = DRIVER_URLS) -> str:
    """Every supported database's dialect and driver loads (nothing connects)."""
    from sqlalchemy import create_engine

    loaded = []
    for url in urls:
        engine = create_engine(url)
        loaded.append(f"{engine.dialect.name}+{engine.dialect.driver}")
        engine.dispose()
    return ", ".join(loaded)


def check_tls() -> str:
    """The CA certificates HTTPS connections are checked against (httpx uses certifi's bundle)."""
    import certifi

    bundle = Path(certifi.where())
    context = ssl.create_default_context(cafile=str(bundle))
    count = context.cert_store_stats()["x509_ca"]
    if not count:
        raise RuntimeError(f"no CA certificates in {bundle}")
    return f"{count} CA certificates from {bundle.name}"


def _platform_key(platform: str | None) -> str:
    platform = platform or sys.platform
    return platform if platform in ("win32", "darwin") else "linux"


def check_keyring(platform: str | None = None) -> tuple[bool, str]:
    """The OS keyring backend is in the installation and found the way keyring finds it (its entry points).
    On Windows it must also be usable (Credential Manager is always there); elsewhere a desktop without a
    running Secret Service is normal on a server, so that is reported, not failed. Nothing is read or written."""
    key = _platform_key(platform)
    module_name, class_name, needs = KEYRING_BACKENDS[key]
    registered = {ep.value.split(":")[0] for ep in importlib.metadata.entry_points(group="keyring.backends")}
    if module_name not in registered:
        return False, f"{module_name} is not among keyring's registered backends (keyring's metadata is missing)"
    backend_class = getattr(importlib.import_module(module_name), class_name)
    for name in needs:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return False, f"{module_name}.{class_name} needs {name}: {exc}"
    try:
        priority = backend_class.priority
        usable = f"usable (priority {priority:g})"
    except Exception as exc:  # keyring backends say why they cannot work by raising from `priority`
        if key == "win32":
            return False, f"{module_name}.{class_name} cannot be used: {exc}"
        usable = f"not usable here: {exc}"
    active = keyring.get_keyring()
    return True, f"{module_name}.{class_name} {usable}; active: {type(active).__module__}.{type(active).__name__}"


def check_autostart() -> str:
    """Start at login would run this installation: the frozen executable itself when frozen."""
    command = autostart.default_command()
    program = Path(command[0])
    if frozen() and program != Path(sys.executable):
        raise RuntimeError(f"start at login would run {program}, not this executable {sys.executable}")
    if not program.is_file():
        raise RuntimeError(f"start at login would run {program}, which does not exist")
    autostart.desktop_entry(command)  # the entry text can be made for these arguments
    return " ".join(command)


def check_store(data_dir: Path) -> tuple[Any, str]:
    """A new state database in `data_dir`, migrated to the newest schema. Returns the open store."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from erpsync_gui.store.db import alembic_config, open_store

    store = open_store(data_dir=data_dir)
    try:
        with store.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        if not heads or current != heads:
            raise RuntimeError(f"the schema is at {sorted(current)}, the migrations' head is {sorted(heads)}")
    except Exception:
        store.close()
        raise
    return store, f"new database migrated to {', '.join(sorted(heads))}"


def self_test_profile(data_dir: Path):
    """A profile with a schedule (the demo's endpoints, no secrets): gives the scheduler a job to store."""
    from erpsync_gui.app.demo import demo_profile
    from erpsync_gui.profile import Schedule

    profile = demo_profile(data_dir)
    schedule = Schedule(enabled=True, interval_hours=4, entities=profile.schedule.entities)
    return dataclasses.replace(profile, name=SELF_TEST_PROFILE, demo=False, schedule=schedule)


def check_scheduler(scheduler: Any, profile_name: str = SELF_TEST_PROFILE) -> str:
    """The scheduler starts on the store and plans the profile's next run (its job stored by reference)."""
    scheduler.start()
    moment = scheduler.next_run(profile_name)
    if moment is None:
        raise RuntimeError(f"the scheduler planned no run for profile {profile_name!r}")
    return f"started; next run of {profile_name!r} at {moment:%Y-%m-%d %H:%M}"


# -- a keyring of its own ------------------------------------------------------------------------------


class PrivateKeyring(KeyringBackend):
    """An in-memory keyring the window check runs on, so building the pages never touches the user's keyring.
    Never chosen by keyring on its own: it declares itself not viable."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("used only by the self-test, when it is set explicitly")

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self._values.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@contextmanager
def private_keyring() -> Iterator[PrivateKeyring]:
    previous = keyring.get_keyring()
    backend = PrivateKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
