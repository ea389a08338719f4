"""`erpsync undo RUN_ID`: the dry run first, then --apply; the undo is a run that can be undone."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from erpsync_gui.cli import main


def _run(data_dir, *args, capsys):
    code = main(["--data-dir", str(data_dir), *args])
    out, _err = capsys.readouterr()
    return code, out


def test_undo_shows_the_plan_first_and_applies_it_on_request(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    code, out = _run(tmp_path, "sync", "-e", "clients", "--direction", "import", "--json", capsys=capsys)
    first = json.loads(out)[0]
    assert code == 0 and first["counts"]["inserted"] > 0
    created = [i for i in first["plan"] if i["action"] == "create"]
    assert created == []  # a real run keeps no plan; the before-images are what undo reads

    code, out = _run(tmp_path, "undo", str(first["run_id"]), "--json", capsys=capsys)
    plan = json.loads(out)["plan"]
    assert code == 0 and json.loads(out)["applied"] is None
    deletes = [s for s in plan["steps"] if s["action"] == "delete" and s["side"] == "crm"]
    assert len(deletes) == first["counts"]["inserted"]

    code, out = _run(tmp_path, "undo", str(first["run_id"]), capsys=capsys)
    assert code == 0 and out.startswith(f"UNDO of run {first['run_id']} (clients)") and "a dry run" in out

    code, out = _run(tmp_path, "undo", str(first["run_id"]), "--apply", "--json", capsys=capsys)
    applied = json.loads(out)["applied"]
    assert code == 0 and applied["status"] == "success" and applied["done"] == len(plan["steps"])
    crm = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crm.sqlite'}")
    with crm.connect() as conn:
        ids = ",".join(str(int(s["record_id"])) for s in deletes)
        left = conn.execute(text(f"SELECT count(*) FROM tblclients WHERE userid IN ({ids})")).scalar()
    crm.dispose()
    assert left == 0


def test_an_unknown_run_exits_2(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path), "undo", "999"]) == 2
