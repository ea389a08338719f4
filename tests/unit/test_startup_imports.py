"""While the window waits for its store, the stored profiles' connectors are imported, so the first run does not
import them while the window draws its progress."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest


def _service(*kinds: str) -> SimpleNamespace:
    profiles = [SimpleNamespace(crm=SimpleNamespace(kind=crm), erp=SimpleNamespace(kind=erp))
                for crm, erp in zip(kinds[::2], kinds[1::2], strict=True)]
    return SimpleNamespace(config=SimpleNamespace(list_profiles=lambda: profiles))


def test_the_connectors_of_stored_profiles_are_imported_and_a_missing_one_is_no_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from erpsync_gui.config import kinds as catalogue
    from erpsync_gui.ui.startup import _import_connectors

    (tmp_path / "probe_crm_connector.py").write_text("class Probe:\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "probe_crm_connector", raising=False)
    fake = {"probe": SimpleNamespace(factory="probe_crm_connector:Probe", http=False),
            "absent": SimpleNamespace(factory="no_such_connector_module:Absent", http=True)}
    monkeypatch.setattr(catalogue, "kind_named", fake.get)

    _import_connectors(_service("probe", "absent", "unknown", "probe"))

    assert "probe_crm_connector" in sys.modules
    assert "no_such_connector_module" not in sys.modules
    # an HTTP kind among them: what its client loads at the first request is loaded too
    assert "httpcore" in sys.modules and "erpsync_gui.http.json_reply" in sys.modules
