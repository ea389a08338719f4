"""A keyring backend in a JSON file named by $ERPSYNC_TEST_KEYRING_FILE, for tests whose worker processes must
read the secrets the test stored (PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring). A throwaway file in
the test's own temporary directory; never the real keyring, never the home directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "ERPSYNC_TEST_KEYRING_FILE"


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ[ENV])

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write(self, entries: dict[str, str]) -> None:
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(entries), encoding="utf-8")
        partial.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\x1f{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._read()
        entries[f"{service}\x1f{username}"] = password
        self._write(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._read()
        if entries.pop(f"{service}\x1f{username}", None) is None:
            raise PasswordDeleteError(f"{username} is not in the keyring")
        self._write(entries)
