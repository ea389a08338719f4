"""Fuzzing the profile file: a valid profile with random values put anywhere in it, keys dropped and unknown
keys added, and then its text cut, garbled and re-encoded. Loading must either give a profile or refuse with
the product's ConfigError; never another exception. A refusal of a readable document lists its problems by
path ("erp.timeout: ..."), and a refusal never quotes back a value written under a secret's name."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erpsync_gui.app.config_file import ProfileFileError, dump_profile, loads_profile, profile_from_dict
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Direction, Side
from tests.reliability.figures import report

#: inputs per test (CI's size); set ERPSYNC_FUZZ_EXAMPLES higher by hand
EXAMPLES = int(os.environ.get("ERPSYNC_FUZZ_EXAMPLES", "400"))
CANARY = "cnry-fuzz-secret-3e9a1b"
SECRET_KEYS = ("password", "token", "client_secret", "api_key", "db_password", "refresh_token")
_TRIED = {"documents": 0, "texts": 0, "loaded": 0, "refused": 0}


def _profile() -> ProfileConfig:
    return ProfileConfig(
        name="acme",
        crm=EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db", options={"preset": "perfex"}),
        erp=EndpointConfig(Side.ERP, "rest", "https://erp.example/api", auth="bearer", batch_size=200, timeout=12.5,
                           retries=2, options={"paging": "offset", "rate_limits": {"per_minute": 60}}),
        entities=(
            EntityConfig("clients", match_keys=("email",), policy="newest_wins",
                         fields=({"crm": "company", "erp": "name", "transform": ["strip"]},
                                 {"crm": "email", "erp": "email", "required": True, "empty": "omit"})),
            EntityConfig("products", enabled=False, direction=Direction.IMPORT, batch_size=25),
        ),
        schedule=Schedule(enabled=True, interval_hours=6, window="19:00-07:00", window_days=("mon",)),
    )


BASE: dict[str, Any] = json.loads(dump_profile(_profile(), "json"))

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "\x00", "mon", "19:00-07:00", "bearer", "sql", "rest",
                     "crm_wins", "both", "../../etc/passwd", "a" * 5000]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                       max_leaves=12)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the document a value sits."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for n, value in enumerate(doc):
            found += _paths(value, (*prefix, n))
    return found


ALL_PATHS = _paths(BASE)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        holder: Any = doc
        try:
            for step in path[:-1]:
                holder = holder[step]
            what = draw(st.sampled_from(("set", "set", "drop", "add", "secret")))
            if what == "set":
                holder[path[-1]] = draw(_values)
            elif what == "drop" and isinstance(holder, dict):
                holder.pop(path[-1], None)
            elif what == "add" and isinstance(holder, dict):
                holder[draw(st.text(min_size=1, max_size=12))] = draw(_values)
            elif isinstance(holder, dict):  # a person pasting a secret into the file
                holder[draw(st.sampled_from(SECRET_KEYS))] = CANARY
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced that place
    return doc


def _loads(doc: dict[str, Any]) -> None:
    try:
        profile_from_dict(doc)
        _TRIED["loaded"] += 1
    except ProfileFileError as exc:
        _TRIED["refused"] += 1
        assert exc.problems, "a refusal names at least one problem"
        assert CANARY not in str(exc), "a refusal quotes a secret"
    except ConfigError:
        _TRIED["refused"] += 1


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_a_profile_with_random_values_anywhere_loads_or_is_refused_by_path(doc: dict[str, Any]) -> None:
    _TRIED["documents"] += 1
    _loads(doc)


def _texts() -> st.SearchStrategy[tuple[str, str]]:
    toml_text, json_text = dump_profile(_profile(), "toml"), dump_profile(_profile(), "json")

    @st.composite
    def garbled(draw: st.DrawFn) -> tuple[str, str]:
        fmt = draw(st.sampled_from(("toml", "json")))
        text = toml_text if fmt == "toml" else json_text
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(text)))
            how = draw(st.sampled_from(("cut", "insert", "delete", "deep")))
            if how == "cut":
                text = text[:at]
            elif how == "insert":
                text = text[:at] + draw(st.text(max_size=8)) + text[at:]
            elif how == "delete":
                text = text[:at] + text[at + draw(st.integers(1, 20)):]
            else:  # nesting a parser could choke on
                depth = draw(st.integers(100, 5000))
                text = text[:at] + ("[" * depth if fmt == "json" else "a = " + "[" * depth) + text[at:]
        return fmt, text

    return garbled()


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_texts())
def test_a_garbled_profile_file_loads_or_is_refused_with_a_config_error(case: tuple[str, str]) -> None:
    fmt, text = case
    _TRIED["texts"] += 1
    try:
        loads_profile(text, fmt)
        _TRIED["loaded"] += 1
    except ConfigError:
        _TRIED["refused"] += 1


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    report("config-fuzz", inputs=_TRIED["documents"] + _TRIED["texts"], documents=_TRIED["documents"],
           texts=_TRIED["texts"], loaded=_TRIED["loaded"], refused=_TRIED["refused"])
