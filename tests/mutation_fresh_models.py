"""A pytest plugin for mutation runs (loaded through [tool.mutmut] in pyproject.toml, never by the suite).

The endpoint and profile models are built once per process and kept. Under mutmut that hides their
validators twice: the tests that reach a validator are recorded while the models are built, which happens in
the first test only, and a mutant's process is forked from one that already built them with the original
code. Building them again before each test of the configuration gives every such test its own build, under
the mutant in use. (The other tests keep the models: an engine test does not check them.)
"""

from __future__ import annotations

import pytest

from erpsync_gui.config.endpoint import endpoint_model
from erpsync_gui.config.profile_model import profile_model

_CONFIGURATION_TESTS = ("test_config_", "test_profile_schema", "test_http_auth_factory")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.path.name.startswith(_CONFIGURATION_TESTS):
        endpoint_model.cache_clear()
        profile_model.cache_clear()
