"""`erpsync` end to end: the demo, syncs with exit codes, JSON output, config files and secrets."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import keyring
import pytest

from erpsync_gui.cli import main


@pytest.fixture
def demo_dir(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    return tmp_path


def run(data_dir, *args, capsys):
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sync_json_reports_counts_and_a_rerun_writes_nothing(demo_dir, capsys):
    code, out, _ = run(demo_dir, "sync", "-e", "clients", "--json", capsys=capsys)
    first = json.loads(out)[0]
    assert code == 0 and first["status"] == "success" and first["counts"]["inserted"] > 0

    code, out, _ = run(demo_dir, "sync", "-e", "clients", "--json", capsys=capsys)
    again = json.loads(out)[0]
    assert code == 0 and again["counts"]["inserted"] == again["counts"]["updated"] == 0


def test_dry_run_prints_the_plan_with_field_changes(demo_dir, capsys):
    code, out, _ = run(demo_dir, "sync", "-e", "clients", "--dry-run", capsys=capsys)
    assert code == 0
    assert out.startswith("DRY RUN clients")
    assert "create" in out and "company:" in out


def test_configuration_errors_exit_2_with_what_to_fix(demo_dir, tmp_path, capsys):
    code, _, err = run(demo_dir, "sync", "-e", "spaceships", capsys=capsys)
    assert code == 2 and "unknown entity" in err and "what to do" in err

    code, _, err = run(tmp_path / "empty", "status", capsys=capsys)
    assert code == 2 and "erpsync demo" in err  # no profile yet: says how to get one


def test_failed_records_exit_1_and_show_up_grouped(demo_dir, capsys):
    bad_profile = demo_dir / "bad.toml"
    code, _, _ = run(demo_dir, "config", "export", str(bad_profile), capsys=capsys)
    assert code == 0
    text = bad_profile.read_text(encoding="utf-8")
    clients = text.index("[entities.clients.currency_mapping]")
    bad_profile.write_text(text[:clients] + text[clients:].replace("4 = 4\n", "", 1), encoding="utf-8")
    # the ERP's IRR clients now have no CRM currency: each fails on its own, the rest syncs
    assert run(demo_dir, "config", "import", str(bad_profile), capsys=capsys)[0] == 0

    code, out, _ = run(demo_dir, "sync", "-e", "clients", "--json", capsys=capsys)
    result = json.loads(out)[0]
    assert code == 1 and result["status"] == "partial" and result["counts"]["failed"] > 0

    code, out, _ = run(demo_dir, "errors", "--json", capsys=capsys)
    groups = json.loads(out)
    # one group per cause: ERP currency 4 coming in, CRM currency 4 going out
    assert code == 0 and {g["error_kind"] for g in groups} == {"currency_mapping"}
    assert sum(g["count"] for g in groups) == result["counts"]["failed"] and len(groups) == 2


def test_config_export_import_round_trip_without_secrets(demo_dir, capsys):
    code, toml_text, _ = run(demo_dir, "config", "export", capsys=capsys)
    assert code == 0 and "[entities.clients]" in toml_text
    assert "demo-auth-token" not in toml_text and "demo-client-token" not in toml_text
    path = demo_dir / "profile.json"
    assert run(demo_dir, "config", "export", str(path), capsys=capsys)[0] == 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["name"] == "demo" and doc["entities"]["clients"]["fields"]
    code, out, _ = run(demo_dir, "config", "import", str(path), capsys=capsys)
    assert code == 0 and "imported" in out


def test_secret_set_reads_stdin_into_the_keyring(demo_dir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cr3t-value\n"))
    code, out, _ = run(demo_dir, "secret", "set", "erp.token", capsys=capsys)
    assert code == 0 and "s3cr3t-value" not in out
    assert keyring.get_password("ERPSync", "demo/erp.token") == "s3cr3t-value"
    code, out, _ = run(demo_dir, "secret", "list", capsys=capsys)
    assert "erp.token (Access token): stored" in out and "s3cr3t-value" not in out


def test_secret_set_refuses_a_secret_the_profile_does_not_use(demo_dir, capsys, monkeypatch):
    # the demo CRM is an SQLite file: a database password would be stored and never read
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cr3t-value\n"))
    code, _out, err = run(demo_dir, "secret", "set", "crm.db_password", capsys=capsys)
    assert code == 2 and "uses no secret 'db_password'" in err
    assert keyring.get_password("ERPSync", "demo/crm.db_password") is None


def test_test_command_reports_both_sides(demo_dir, capsys):
    code, out, _ = run(demo_dir, "test", capsys=capsys)
    assert code == 0
    assert "OK   CRM" in out and "OK   ERP" in out and "latency=" in out


def test_status_json_after_a_sync(demo_dir, capsys):
    run(demo_dir, "sync", "-e", "leads", capsys=capsys)
    code, out, _ = run(demo_dir, "status", "--json", capsys=capsys)
    status = json.loads(out)
    leads = next(e for e in status["entities"] if e["entity"] == "leads")
    assert code == 0 and leads["last_run"]["status"] == "success"
    assert any(day["entity"] == "leads" for day in status["daily"])


def test_the_installed_command_runs_headless(tmp_path):
    """The console script as Task Scheduler would start it: a separate process, no Qt imported."""
    env = {**os.environ, "ERPSYNC_DATA_DIR": str(tmp_path)}
    code = ("import sys, erpsync_gui.cli as c; rc = c.main(['demo', '--no-sync']); "
            "assert 'PySide6' not in sys.modules; sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "demo profile ready" in done.stdout


@pytest.mark.parametrize("direction", ["export", "import"])
def test_a_mapped_column_the_crm_lacks_exits_2_in_either_direction_before_any_write(demo_dir, capsys, direction):
    from sqlalchemy import create_engine, text

    profile = demo_dir / "missing.toml"
    run(demo_dir, "config", "export", str(profile), capsys=capsys)
    doc = profile.read_text(encoding="utf-8").replace('crm = "address"', 'crm = "street_address"', 1)
    profile.write_text(doc, encoding="utf-8")
    assert run(demo_dir, "config", "import", str(profile), capsys=capsys)[0] == 0
    crm = create_engine(f"sqlite:///{demo_dir / 'demo' / 'crm.sqlite'}")
    with crm.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*) FROM tblclients")).scalar()

    code, out, err = run(demo_dir, "sync", "-e", "clients", "--direction", direction, capsys=capsys)

    assert code == 2, (out, err)
    assert "street_address" in out + err and "do not exist" in out + err
    with crm.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM tblclients")).scalar() == before
    crm.dispose()


@pytest.mark.parametrize("days", ["-1", "0", "3651", "soon"])
def test_cleanup_refuses_a_number_of_days_that_would_delete_every_log_line(demo_dir, capsys, days):
    from erpsync_gui.store.db import open_store
    from erpsync_gui.store.models import LogRow

    run(demo_dir, "sync", "-e", "leads", capsys=capsys)
    store = open_store(None, data_dir=demo_dir)
    with store.session() as s:
        before = s.query(LogRow).count()
    store.close()
    with pytest.raises(SystemExit) as exited:
        main(["--data-dir", str(demo_dir), "cleanup", "--days", days])
    _out, err = capsys.readouterr()
    assert exited.value.code == 2 and "--days" in err and "Traceback" not in err
    store = open_store(None, data_dir=demo_dir)
    with store.session() as s:
        assert s.query(LogRow).count() == before > 0
    store.close()


def test_cleanup_within_the_range_keeps_recent_lines(demo_dir, capsys):
    run(demo_dir, "sync", "-e", "leads", capsys=capsys)
    code, out, _ = run(demo_dir, "cleanup", "--days", "1", capsys=capsys)
    assert code == 0 and out.startswith("0 log lines older than 1 day deleted")


def test_a_daily_quota_stays_spent_when_the_next_sync_is_a_new_process(tmp_path):
    """A scheduled `erpsync sync` is a new process each time: the day's requests spent by the one before count."""
    env = {**os.environ, "ERPSYNC_DATA_DIR": str(tmp_path), "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
           "ERPSYNC_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}

    def erpsync(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "erpsync_gui.cli", *args], capture_output=True, text=True,
                              timeout=180, env=env)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    assert erpsync("demo", "--no-sync").returncode == 0
    profile = tmp_path / "quota.toml"
    assert erpsync("config", "export", str(profile)).returncode == 0
    text = profile.read_text(encoding="utf-8").replace(
        "[erp.options]\n", '[erp.options]\nrate_limit_key = "demo-erp"\nrate_limits = { per_day = 3 }\n', 1)
    profile.write_text(text, encoding="utf-8")
    assert erpsync("config", "import", str(profile)).returncode == 0

    def sync() -> dict:
        result = json.loads(erpsync("sync", "-e", "clients", "--direction", "import", "--json").stdout)
        assert isinstance(result, list), result
        return result[0]

    first = sync()
    assert first["status"] == "partial" and "3 requests per day" in first["message"], first
    assert first["counts"]["processed"] > 0
    second = sync()
    assert second["status"] == "partial" and "resumes after" in second["message"], second
    assert second["counts"]["processed"] == 0  # not one more request: the day's three were spent before
