"""A pytest plugin for mutation runs (loaded through [tool.mutmut] in pyproject.toml, never by the suite).

The endpoint and profile models are built once per process and kept. A mutant's tests run in a process
forked from one that already built them with the original validators, so a mutated check would never be
called and would pass as a survivor. Building them again at the start of each test session puts the
mutated code in use.
"""

from __future__ import annotations

import pytest

from erpsync_gui.config.endpoint import endpoint_model
from erpsync_gui.config.profile_model import profile_model


def pytest_sessionstart(session: pytest.Session) -> None:
    endpoint_model.cache_clear()
    profile_model.cache_clear()
