"""SecretStore: keyring entries, refusal without a real keyring, the demo profile's fallback."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import KeyringLocked

from erpsync_gui.errors import ConfigError, KeyringUnavailableError, MissingSecretError
from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE, SecretStore, parse_secret_key, secret_key
from tests.memory_keyring import MemoryKeyring


class _FileKeyring(MemoryKeyring):
    """Stands in for a keyrings.alt file backend (plaintext on disk in real life)."""


_FileKeyring.__module__ = "keyrings.alt.file"


class _LockedKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"cannot store {password}: the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


def test_set_get_has_delete_use_service_and_username(memory_keyring: MemoryKeyring) -> None:
    secrets = SecretStore()
    secrets.set("acme", Side.CRM, "db_password", "s3cret-pw")

    assert memory_keyring.entries == {(SERVICE, "acme/crm.db_password"): "s3cret-pw"}
    assert secrets.get("acme", "crm", "db_password") == "s3cret-pw"
    assert secrets.has("acme", Side.CRM, "db_password")
    assert not secrets.has("other", Side.CRM, "db_password")
    assert secrets.delete("acme", "crm", "db_password") is True
    assert secrets.get("acme", "crm", "db_password") is None
    assert secrets.delete("acme", "crm", "db_password") is False


def test_require_names_the_command_that_sets_the_secret() -> None:
    with pytest.raises(MissingSecretError) as info:
        SecretStore().require("acme", Side.CRM, "db_password")
    assert "`erpsync secret set crm.db_password`" in str(info.value)
    assert "acme" in str(info.value)


def test_require_returns_a_stored_value() -> None:
    secrets = SecretStore()
    secrets.set("acme", "erp", "token", "tok-123")
    assert secrets.require("acme", "erp", "token") == "tok-123"


def test_known_secret_values_collects_fetched_and_stored_values() -> None:
    secrets = SecretStore()
    secrets.set("acme", "erp", "token", "tok-123")
    keyring.set_password(SERVICE, "acme/crm.db_password", "db-pass-456")
    assert secrets.known_secret_values() == ("tok-123",)
    secrets.get("acme", "crm", "db_password")
    assert set(secrets.known_secret_values()) == {"tok-123", "db-pass-456"}
    assert secrets.known_secret_values()[0] == "db-pass-456"  # longest first


def test_fail_backend_is_refused_with_a_clear_message() -> None:
    keyring.set_keyring(fail.Keyring())
    secrets = SecretStore()
    assert not secrets.available()
    with pytest.raises(KeyringUnavailableError) as info:
        secrets.get("acme", "crm", "db_password")
    assert "No OS keyring is available" in str(info.value)
    assert "gnome-keyring" in str(info.value)
    with pytest.raises(KeyringUnavailableError):
        secrets.set("acme", "crm", "db_password", "pw")


def test_plaintext_file_backend_is_refused() -> None:
    backend = _FileKeyring()
    keyring.set_keyring(backend)
    secrets = SecretStore()
    with pytest.raises(KeyringUnavailableError, match="not an OS keyring"):
        secrets.set("acme", "crm", "db_password", "pw")
    assert backend.entries == {}


def test_chained_keyrings_skip_refused_members(monkeypatch: pytest.MonkeyPatch) -> None:
    plaintext, real = _FileKeyring(), MemoryKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext, real])
    keyring.set_keyring(chainer.ChainerBackend())
    SecretStore().set("acme", "erp", "token", "tok")
    assert plaintext.entries == {}
    assert real.entries == {(SERVICE, "acme/erp.token"): "tok"}

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext])
    with pytest.raises(KeyringUnavailableError):
        SecretStore().get("acme", "erp", "token")


def test_a_locked_keyring_still_serves_the_demo_tokens() -> None:
    keyring.set_keyring(_LockedKeyring())
    secrets = SecretStore(demo_values={"erp.token": "demo-token"})
    assert secrets.get("demo", "erp", "token") == "demo-token"
    assert secrets.get("demo", "crm", "db_password") is None
    with pytest.raises(KeyringUnavailableError, match="locked"):
        secrets.get("acme", "erp", "token")


def test_keyring_errors_become_unavailable_without_the_value() -> None:
    keyring.set_keyring(_LockedKeyring())
    secrets = SecretStore()
    with pytest.raises(KeyringUnavailableError, match="locked"):
        secrets.get("acme", "erp", "token")
    with pytest.raises(KeyringUnavailableError) as info:
        secrets.set("acme", "erp", "token", "very-secret-value")
    assert "very-secret-value" not in str(info.value)


def test_demo_profile_uses_demo_values_without_a_keyring(caplog: pytest.LogCaptureFixture) -> None:
    keyring.set_keyring(fail.Keyring())
    secrets = SecretStore(demo_values={"erp.token": "demo-token", "erp.client_token": "demo-client"})
    with caplog.at_level(logging.WARNING, logger="erpsync_gui.secrets"):
        assert secrets.get("demo", "erp", "token") == "demo-token"
        assert secrets.require("demo", Side.ERP, "client_token") == "demo-client"
    warnings = [r for r in caplog.records if "demo" in r.getMessage()]
    assert len(warnings) == 1
    assert set(secrets.known_secret_values()) == {"demo-token", "demo-client"}
    # storing the same demo value again is harmless; anything else still needs a keyring
    secrets.set("demo", "erp", "token", "demo-token")
    with pytest.raises(KeyringUnavailableError):
        secrets.set("demo", "erp", "token", "another")
    # the demo profile has its demo tokens and nothing else; other profiles still need a keyring
    assert secrets.get("demo", "crm", "db_password") is None
    with pytest.raises(MissingSecretError):
        secrets.require("demo", "crm", "db_password")
    with pytest.raises(KeyringUnavailableError):
        secrets.get("acme", "erp", "token")


def test_demo_values_are_not_used_when_the_keyring_works() -> None:
    secrets = SecretStore(demo_values={"erp.token": "demo-token"})
    assert secrets.get("demo", "erp", "token") is None
    secrets.set("demo", "erp", "token", "from-keyring")
    assert secrets.get("demo", "erp", "token") == "from-keyring"


def test_demo_values_given_as_a_function_are_fetched_only_when_a_keyring_failure_needs_them() -> None:
    calls: list[int] = []

    def demo_values() -> dict[str, str]:
        calls.append(1)
        return {"erp.token": "demo-token"}

    secrets = SecretStore(demo_values=demo_values)
    secrets.set("demo", "erp", "token", "from-keyring")
    assert secrets.get("demo", "erp", "token") == "from-keyring"
    assert calls == []
    keyring.set_keyring(fail.Keyring())
    assert secrets.get("demo", "erp", "token") == "demo-token"
    assert secrets.get("demo", "erp", "client_token") is None
    assert calls == [1]


def test_bad_sides_and_names_are_config_errors() -> None:
    secrets = SecretStore()
    with pytest.raises(ConfigError, match="Unknown side"):
        secrets.get("acme", "crmx", "token")
    with pytest.raises(ConfigError, match="Invalid secret name"):
        secrets.get("acme", "crm", "")
    with pytest.raises(ConfigError, match="empty"):
        secrets.set("acme", "crm", "token", "")


def test_secret_key_helpers() -> None:
    assert secret_key(Side.CRM, "db_password") == "crm.db_password"
    assert parse_secret_key("ERP.token") == (Side.ERP, "token")
    with pytest.raises(ConfigError):
        parse_secret_key("token")
