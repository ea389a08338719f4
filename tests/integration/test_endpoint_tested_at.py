"""The time of an endpoint's last connection test: stored by every test that ends with a verdict, kept by a
run or a sign-in, and shown by `erpsync status`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from erpsync_gui.cli import main
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import ConfigRepo

NOON = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


def _profile() -> ProfileConfig:
    return ProfileConfig("acme", EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db"),
                         EndpointConfig(Side.ERP, "rest", "https://erp.example/api"))


def test_a_test_stores_its_time_and_a_run_s_status_keeps_it(store):
    repo = ConfigRepo(store)
    saved = repo.save_profile(_profile())
    assert repo.endpoint_status(saved.id)[Side.ERP].tested_at is None
    repo.set_endpoint_status(saved.id, Side.ERP, "active", "200 OK", tested_at=NOON)
    assert repo.endpoint_status(saved.id)[Side.ERP].tested_at == NOON
    repo.set_endpoint_status(saved.id, Side.ERP, "error", "the last run: timed out")  # a run, not a test
    status = repo.endpoint_status(saved.id)[Side.ERP]
    assert (status.status, status.tested_at) == ("error", NOON)
    repo.save_profile(saved)  # a settings save keeps the row, and with it the time
    assert repo.endpoint_status(saved.id)[Side.ERP].tested_at == NOON
    assert repo.endpoint_status(saved.id)[Side.CRM].tested_at is None


def _run(data_dir, *args, capsys):
    code = main(["--data-dir", str(data_dir), *args])
    out, _err = capsys.readouterr()
    return code, out


def test_erpsync_test_stores_the_time_and_erpsync_status_shows_it(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    code, out = _run(tmp_path, "status", capsys=capsys)
    assert code == 0 and "CRM: sql" in out and "never tested" in out
    before = datetime.now(UTC)
    assert _run(tmp_path, "test", capsys=capsys)[0] == 0
    after = datetime.now(UTC)

    code, out = _run(tmp_path, "status", "--json", capsys=capsys)
    endpoints = json.loads(out)["endpoints"]
    for side in ("crm", "erp"):
        tested = datetime.fromisoformat(endpoints[side]["last_tested_at"])
        assert before <= tested <= after and endpoints[side]["status"] == "active"
    code, out = _run(tmp_path, "status", capsys=capsys)
    erp_line = next(line for line in out.splitlines() if line.strip().startswith("ERP:"))
    shown = datetime.fromisoformat(endpoints["erp"]["last_tested_at"]).astimezone()
    assert f"connected, tested {shown:%Y-%m-%d %H:%M}" in erp_line and "never tested" not in out
