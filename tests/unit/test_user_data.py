"""`erpsync-gui --remove-user-data`, what the uninstaller's "remove my data" runs: every keyring entry of every
profile goes (also one left from an earlier auth kind), then the data, log and cache folders; other programs'
keyring entries and a folder that is no ERPSync data folder stay untouched."""

from __future__ import annotations

import dataclasses

import keyring
from keyring.backends import fail

from erpsync_gui.app.demo import demo_profile
from erpsync_gui.app.user_data import remove_user_data
from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE, SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store


def _data_dir_with_profiles(tmp_path, secrets: SecretStore):
    data = tmp_path / "data"
    with open_store(data_dir=data) as store:
        repo = ConfigRepo(store)
        for name in ("acme", "beta"):
            repo.save_profile(dataclasses.replace(demo_profile(data), name=name, demo=False))
    secrets.set("acme", Side.ERP, "token", "acme-erp-token")
    secrets.set("acme", Side.CRM, "db_password", "acme-db-pw")
    secrets.set("beta", Side.ERP, "client_token", "beta-client")
    secrets.set("beta", Side.CRM, "token", "left from an earlier auth kind")  # a sql endpoint needs no token
    (data / "logs").mkdir()
    (data / "logs" / "erpsync-gui.log").write_text("a line\n", encoding="utf-8")
    (data / "cache").mkdir()
    return data


def test_every_keyring_entry_of_every_profile_and_every_folder_goes(tmp_path, memory_keyring):
    secrets = SecretStore()
    data = _data_dir_with_profiles(tmp_path, secrets)
    memory_keyring.set_password("OtherApp", "acme/erp.token", "not ours")
    result = remove_user_data(data, secrets)
    assert result.ok, result.problems
    assert result.secrets_deleted == 4
    assert set(memory_keyring.entries) == {("OtherApp", "acme/erp.token")}
    assert not [key for key in memory_keyring.entries if key[0] == SERVICE]
    assert not data.exists() and set(result.folders_deleted) == {data / "logs", data / "cache", data}


def test_a_folder_that_is_not_an_erpsync_data_folder_is_left_alone(tmp_path):
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "letter.txt").write_text("dear ...", encoding="utf-8")
    result = remove_user_data(documents, SecretStore())
    assert not result.ok and "does not look like an ERPSync data folder" in result.problems[0]
    assert (documents / "letter.txt").is_file()


def test_nothing_there_is_nothing_to_do(tmp_path):
    result = remove_user_data(tmp_path / "never-created", SecretStore())
    assert result.ok and result.secrets_deleted == 0 and result.folders_deleted == []


def test_without_a_keyring_the_folders_still_go_and_the_entries_are_reported(tmp_path, memory_keyring):
    data = _data_dir_with_profiles(tmp_path, SecretStore())
    keyring.set_keyring(fail.Keyring())
    result = remove_user_data(data, SecretStore())
    assert not result.ok and "keyring entries not all removed" in result.problems[0]
    assert not data.exists()
