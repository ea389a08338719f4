"""The embedded sandbox ERP: a profile whose ERP URL is `sandbox://local` talks to a real local HTTP server
that this process starts on demand, backed by a file in the data directory (so its data survives)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from erpsync_gui.profile import EndpointConfig

SANDBOX_URL = "sandbox://local"


class SandboxHost:
    def __init__(self, data_dir: Path) -> None:
        self.db_path = data_dir / "demo" / "erp-sandbox.sqlite"
        self._server = None
        self._lock = threading.Lock()

    def resolve(self, endpoint: EndpointConfig) -> EndpointConfig:
        """The endpoint itself, or for `sandbox://local` a copy pointing at the running sandbox."""
        if endpoint.url != SANDBOX_URL:
            return endpoint
        return dataclasses.replace(endpoint, url=self.start().url)

    def start(self):
        from erpsync_gui.sandbox.server import SandboxServer

        with self._lock:
            if self._server is None:
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                self._server = SandboxServer(self.db_path).start()
            return self._server

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None
