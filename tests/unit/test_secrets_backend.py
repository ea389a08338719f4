"""Choosing the keyring backend: the configured one first, else keyring's detection without the backends of other
platforms, the usable one of the highest priority kept; detected once per process, never over a backend set."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from erpsync_gui import secrets_backend
from erpsync_gui.secrets import SERVICE, SecretStore, _is_refused
from tests.memory_keyring import MemoryKeyring


@dataclass
class _Point:
    """An entry point of the keyring.backends group that records being loaded."""

    name: str
    value: str
    loads: list[str] = field(default_factory=list)
    fails: bool = False

    def load(self) -> object:
        self.loads.append(self.name)
        if self.fails:
            raise ImportError(f"{self.value} is broken")
        return None


def _points() -> list[_Point]:
    return [_Point("macOS", "keyring.backends.macOS"), _Point("Windows", "keyring.backends.Windows"),
            _Point("SecretService", "keyring.backends.SecretService"), _Point("chainer", "keyring.backends.chainer"),
            _Point("pass", "keyring_pass:init")]


class _Ranked(KeyringBackend):
    priority = 1.0  # each test class below has its own

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


def _ranked(priority: float, module: str = __name__) -> KeyringBackend:
    """A backend instance of `priority` whose class lives in `module` (keyrings.alt's are refused)."""
    cls = type(f"Ranked{str(priority).replace('.', '_')}", (_Ranked,), {"priority": priority, "__module__": module})
    return cls()


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """No backend named in the environment or in keyring's config file."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)


def test_the_backend_the_environment_names_wins_and_no_plugin_is_loaded() -> None:
    points = _points()
    chosen = secrets_backend.detect(_is_refused, platform="linux", entry_points=points, classes=lambda: [])
    assert isinstance(chosen, MemoryKeyring)  # the suite's PYTHON_KEYRING_BACKEND
    assert not any(p.loads for p in points)


def test_keyrings_config_file_comes_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    configured = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "load_config", lambda: configured)
    assert secrets_backend.detect(_is_refused, entry_points=_points(), classes=lambda: []) is configured


@pytest.mark.parametrize(("platform", "skipped"), [("linux", {"macOS", "Windows"}), ("darwin", {"Windows"}),
                                                   ("win32", {"macOS"})])
def test_only_the_backends_of_other_platforms_are_left_unloaded(platform: str, skipped: set[str]) -> None:
    points = _points()
    loaded = secrets_backend.load_plugins(platform, points)
    assert set(loaded) == {p.name for p in points} - skipped
    assert {p.name for p in points if p.loads} == set(loaded)


def test_a_broken_plugin_is_logged_and_the_others_still_load(caplog: pytest.LogCaptureFixture) -> None:
    points = [_Point("broken", "broken_keyring", fails=True), _Point("pass", "keyring_pass:init")]
    with caplog.at_level(logging.ERROR, logger="erpsync_gui.secrets_backend"):
        assert secrets_backend.load_plugins("linux", points) == ["pass"]
    assert "broken" in caplog.text


def test_detection_keeps_the_usable_backend_of_the_highest_priority(unconfigured: None) -> None:
    plaintext, low, best = _ranked(9, "keyrings.alt.file"), _ranked(1), _ranked(4.9)
    needs_arguments = type("NeedsArguments", (_Ranked,), {"priority": 8, "__init__": lambda self, path: None})
    chosen = secrets_backend.detect(_is_refused, platform="linux", entry_points=[],
                                    classes=lambda: [type(plaintext), type(low), type(best), needs_arguments,
                                                     chainer.ChainerBackend])
    assert type(chosen) is type(best)


def test_without_a_usable_backend_the_best_refused_one_or_keyrings_fail_backend_is_kept() -> None:
    plaintext = _ranked(3, "keyrings.alt.file")
    assert secrets_backend.choose([plaintext, _ranked(0), fail.Keyring()], _is_refused) is plaintext
    assert isinstance(secrets_backend.choose([_ranked(-1)], _is_refused), fail.Keyring)
    assert isinstance(secrets_backend.choose([], _is_refused), fail.Keyring)


def test_secret_store_detects_once_and_keeps_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    detected = MemoryKeyring()
    calls: list[int] = []

    def detect(is_refused: object) -> KeyringBackend:
        calls.append(1)
        return detected

    monkeypatch.setattr(secrets_backend, "detect", detect)
    keyring.core._keyring_backend = None  # nothing chosen yet, as in a new process (the fixture restores it)
    store = SecretStore()
    store.set("acme", "erp", "token", "tok")
    assert store.get("acme", "erp", "token") == "tok"
    assert SecretStore().available()
    assert calls == [1]
    assert keyring.get_keyring() is detected
    assert detected.entries == {(SERVICE, "acme/erp.token"): "tok"}


def test_a_backend_set_explicitly_is_never_replaced(monkeypatch: pytest.MonkeyPatch,
                                                    memory_keyring: MemoryKeyring) -> None:
    monkeypatch.setattr(secrets_backend, "detect", lambda is_refused: pytest.fail("detected over a set backend"))
    SecretStore().set("acme", "erp", "token", "tok")
    assert memory_keyring.entries == {(SERVICE, "acme/erp.token"): "tok"}
