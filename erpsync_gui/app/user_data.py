"""`erpsync-gui --remove-user-data`: what the uninstaller's "remove my data" runs before it deletes the program.
Deletes every keyring entry of every profile in the state database, then the data, log and cache folders.
Without that box ticked an uninstall leaves all of it, so a reinstall carries on where the user left off."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from erpsync_gui import paths
from erpsync_gui.app.connectors import secret_names
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store, open_store

log = logging.getLogger("erpsync.app")

#: every entry name an endpoint may have stored, whatever its auth kind is now (an endpoint whose kind was
#: changed keeps the older kind's entries), besides the ones its settings name today
SECRET_NAMES = ("token", "password", "client_secret", "refresh_token", "access_token", "cert_password",
                "client_token", "db_password")
STATE_DB = "erpsync.db"
GUI_SETTINGS = "erpsync-gui.ini"


@dataclass
class Removal:
    secrets_deleted: int = 0
    folders_deleted: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def forget_secrets(store: Store, secrets: SecretStore) -> int:
    """Delete every keyring entry of every profile in `store`; how many there were."""
    deleted = 0
    for profile in ConfigRepo(store).list_profiles():
        for side in Side:
            for name in sorted({*SECRET_NAMES, *secret_names(profile, profile.endpoint(side))}):
                deleted += secrets.delete(profile.name, side, name)
    return deleted


def looks_like_data_dir(directory: Path) -> bool:
    """True for the default data folder and for a folder holding ERPSync's own files: a mistyped --data-dir
    never deletes someone's documents."""
    if paths.is_default_data_dir(directory):
        return True
    return (directory / STATE_DB).is_file() or (directory / GUI_SETTINGS).is_file()


def remove_user_data(directory: Path, secrets: SecretStore) -> Removal:
    """Keyring entries first (their names are in the database), then the folders."""
    result = Removal()
    directory = Path(directory)
    if not directory.exists():
        return result
    if not looks_like_data_dir(directory):
        result.problems.append(f"{directory} does not look like an ERPSync data folder; nothing removed")
        return result
    if (directory / STATE_DB).is_file():
        try:
            store = open_store(data_dir=directory)
        except ERPSyncError as exc:
            result.problems.append(f"keyring entries not removed: {exc}")
        else:
            try:
                result.secrets_deleted = forget_secrets(store, secrets)
            except ERPSyncError as exc:
                result.problems.append(f"keyring entries not all removed: {exc}")
            finally:
                store.close()
    for folder in dict.fromkeys([paths.log_dir(directory), paths.cache_dir(directory), directory]):
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            continue
        except OSError as exc:
            result.problems.append(f"{folder} not removed: {exc}")
            continue
        result.folders_deleted.append(folder)
    return result
