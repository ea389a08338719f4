"""`erpsync sync` and the mass-change brake: a held run exits 3 with its preview; --yes applies it."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from erpsync_gui.cli import main


def _run(data_dir, *args, capsys):
    code = main(["--data-dir", str(data_dir), *args])
    out, _err = capsys.readouterr()
    return code, out


def test_a_mass_change_is_held_until_yes(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    # the demo's sandbox data is there to be tried: its first sync is not held for review
    code, out = _run(tmp_path, "sync", "-e", "clients", "--json", capsys=capsys)
    first = json.loads(out)[0]
    assert code == 0 and first["status"] == "success" and first["counts"]["inserted"] > 0

    # a tight brake, set through the profile file: 5% of the linked clients
    path = tmp_path / "profile.json"
    assert _run(tmp_path, "config", "export", str(path), capsys=capsys)[0] == 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["entities"]["clients"]["brake_percent"] == 20.0  # the default, written out
    doc["entities"]["clients"]["brake_percent"] = 5
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert _run(tmp_path, "config", "import", str(path), capsys=capsys)[0] == 0

    crm = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crm.sqlite'}")
    with crm.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Everywhere'"))
    crm.dispose()

    code, out = _run(tmp_path, "sync", "-e", "clients", "--direction", "export", capsys=capsys)
    assert code == 3
    assert out.startswith("PREVIEW clients (export): HELD")
    assert "This run would change" in out and "city:" in out

    code, out = _run(tmp_path, "sync", "-e", "clients", "--direction", "export", "--json", "--yes", capsys=capsys)
    applied = json.loads(out)[0]
    assert code == 0, out
    # approved with --yes: applied without a second preview read (no brake verdict to give)
    assert applied["status"] == "success" and applied["brake"] is None
    assert applied["counts"]["updated"] > 0
