"""The kinds catalogue: one kind found by name without importing the other connectors, the whole catalogue in
name order whatever was asked for first, and a loaded profile checked against only its own two kinds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from erpsync_gui.config.convert import validate
from erpsync_gui.config.kinds import connector_kind, kind_named, kinds
from erpsync_gui.config.profile_model import profile_model
from erpsync_gui.errors import ConfigError

_FRESH = """
import json, sys
from erpsync_gui.config.kinds import kind_named, kinds
named = [kind_named(n) is not None for n in ("rest", "sql", "nosuch", "rest_erp", "../x")]
before = sorted(m for m in sys.modules if m.startswith("erpsync_gui.connectors."))
order = list(kinds())
print(json.dumps({"named": named, "before": before, "order": order}))
"""


def test_a_kind_by_name_imports_only_its_own_module_and_the_catalogue_stays_in_name_order() -> None:
    done = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(done.stdout)
    assert seen["named"] == [True, True, False, False, False]
    for other in ("zoho", "tally", "sap_b1", "quickbooks", "tryton", "siagh", "payamgostar"):
        assert not any(m.startswith(f"erpsync_gui.connectors.{other}") for m in seen["before"]), other
    assert seen["order"] == sorted(seen["order"]) and {"rest", "sql", "zoho"} <= set(seen["order"])


def test_a_name_lookup_gives_the_catalogues_own_entry() -> None:
    assert kind_named("rest") is kinds()["rest"] is connector_kind("rest")
    assert kind_named("nosuch") is None
    with pytest.raises(ConfigError, match="unknown connector kind 'nosuch'"):
        connector_kind("nosuch")


_DOC = {"name": "acme", "crm": {"kind": "sql", "url": "sqlite:///crm.sqlite"},
        "erp": {"kind": "rest", "url": "https://erp.example/api", "batch_size": 200}}


def test_a_profile_of_known_kinds_comes_out_as_the_whole_model_makes_it() -> None:
    narrow = validate(dict(_DOC))
    whole = profile_model().model_validate(dict(_DOC))
    assert type(narrow) is profile_model("sql", "rest")
    assert narrow.model_dump() == whole.model_dump()


def test_a_problem_is_worded_by_the_whole_model() -> None:
    bad = {**_DOC, "erp": {**_DOC["erp"], "batch_size": 0}}
    with pytest.raises(ConfigError) as caught:
        validate(bad)
    assert "erp.batch_size" in str(caught.value) and "1 to 1000" in str(caught.value)
    with pytest.raises(ConfigError, match=r"it takes .*'rest', 'sql', 'zoho'"):  # every kind of the side
        validate({**_DOC, "crm": {**_DOC["crm"], "kind": "nosuch"}})
