"""`erpsync deletes`: the approval queue listed, a delete approved (the twin goes) and one kept."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from erpsync_gui.cli import main


def _run(data_dir, *args, capsys):
    code = main(["--data-dir", str(data_dir), *args])
    out, _err = capsys.readouterr()
    return code, out


def test_queued_deletes_are_listed_approved_and_kept(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    path = tmp_path / "profile.json"
    assert _run(tmp_path, "config", "export", str(path), capsys=capsys)[0] == 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["entities"]["clients"]["on_delete"] = "queue"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert _run(tmp_path, "config", "import", str(path), capsys=capsys)[0] == 0
    code, out = _run(tmp_path, "sync", "-e", "clients", "--direction", "export", "--json", capsys=capsys)
    assert code == 0, out

    crm = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crm.sqlite'}")
    with crm.begin() as conn:
        gone = [str(r[0]) for r in conn.execute(text("SELECT userid FROM tblclients ORDER BY userid LIMIT 2"))]
        conn.execute(text(f"DELETE FROM tblclients WHERE userid IN ({', '.join(gone)})"))
    crm.dispose()
    code, out = _run(tmp_path, "sync", "-e", "clients", "--direction", "export", "--full", capsys=capsys)
    assert code == 0, out

    code, out = _run(tmp_path, "deletes", capsys=capsys)
    assert code == 0 and out.startswith("2 deletes waiting for approval")
    ids = [line.split(":")[0].strip() for line in out.splitlines()[1:]]
    assert len(ids) == 2 and all(f"({crm_id})" in out for crm_id in gone)

    code, out = _run(tmp_path, "deletes", "--approve", ids[0], "--keep", ids[1], capsys=capsys)
    assert code == 0 and f"delete {ids[0]}: deleted" in out and f"delete {ids[1]}: kept" in out
    code, out = _run(tmp_path, "deletes", capsys=capsys)
    assert out.startswith("0 deletes waiting")
    code, _out = _run(tmp_path, "deletes", "--approve", ids[0], capsys=capsys)
    assert code == 2  # decided already
