"""The built-in reference ERP server (REST dialect, SQLite-backed) and its demo data."""

from __future__ import annotations

from erpsync_gui.sandbox.faults import FaultSettings
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN

__all__ = ["DEMO_AUTH_TOKEN", "DEMO_CLIENT_TOKEN", "FaultSettings", "SandboxServer"]
