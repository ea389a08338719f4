"""The real OS keyring, only where a throwaway machine allows it: the Windows workflow sets
ERPSYNC_TEST_OS_KEYRING=1 on its runner, so SecretStore writes, reads, replaces several entries at once and
deletes through Windows Credential Manager, and "remove my data" empties it again. Every entry is under a
profile name of its own and removed afterwards. Never on a developer's machine unless asked for."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import uuid

import keyring
import pytest

from erpsync_gui.app.demo import demo_profile
from erpsync_gui.app.user_data import remove_user_data
from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE, SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store

pytestmark = pytest.mark.skipif(
    not os.environ.get("ERPSYNC_TEST_OS_KEYRING"),
    reason="touches the real OS keyring: set ERPSYNC_TEST_OS_KEYRING=1 on a throwaway machine")
NAMES = ("token", "client_token", "refresh_token", "access_token", "db_password")


@pytest.fixture
def os_keyring(memory_keyring):
    """Windows Credential Manager in place of the suite's in-memory keyring (which comes back afterwards)."""
    if sys.platform != "win32":
        pytest.skip("the Credential Manager is Windows'")
    from keyring.backends.Windows import WinVaultKeyring

    backend = WinVaultKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def profiles(os_keyring):
    names = [f"erpsync-test-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    yield names
    for name in names:
        for side in Side:
            for secret in NAMES:
                with contextlib.suppress(keyring.errors.PasswordDeleteError):
                    os_keyring.delete_password(SERVICE, f"{name}/{side.value}.{secret}")


def test_secrets_of_several_profiles_live_side_by_side_in_credential_manager(os_keyring, profiles):
    secrets = SecretStore()
    first, second = profiles
    secrets.set(first, Side.ERP, "token", "first-token")
    secrets.set(second, Side.ERP, "token", "second-token")  # same service, another user name
    secrets.set(first, Side.CRM, "db_password", "pässwörd with ünïcode")
    assert secrets.get(first, Side.ERP, "token") == "first-token"
    assert secrets.get(second, Side.ERP, "token") == "second-token"
    assert secrets.get(first, Side.CRM, "db_password") == "pässwörd with ünïcode"
    assert os_keyring.get_password(SERVICE, f"{first}/erp.token") == "first-token"

    secrets.set_many(first, Side.ERP, {"refresh_token": "r2", "access_token": "a2", "token": None})
    assert secrets.get(first, Side.ERP, "refresh_token") == "r2" and secrets.get(first, Side.ERP, "token") is None
    assert secrets.get(second, Side.ERP, "token") == "second-token"  # the other profile's entry is untouched

    assert secrets.delete(second, Side.ERP, "token") and not secrets.delete(second, Side.ERP, "token")
    assert secrets.get(second, Side.ERP, "token") is None


def test_remove_my_data_empties_the_profiles_credential_manager_entries(os_keyring, profiles, tmp_path):
    secrets = SecretStore()
    data = tmp_path / "data"
    with open_store(data_dir=data) as store:
        for name in profiles:
            ConfigRepo(store).save_profile(dataclasses.replace(demo_profile(data), name=name, demo=False))
    for name in profiles:
        secrets.set(name, Side.ERP, "token", f"{name}-token")
        secrets.set(name, Side.CRM, "db_password", f"{name}-pw")
    result = remove_user_data(data, secrets)
    assert result.ok, result.problems
    assert result.secrets_deleted == 4
    assert all(secrets.get(name, side, n) is None for name in profiles for side in Side for n in NAMES)
