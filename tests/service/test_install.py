"""`erpsync service install --dry-run` on Linux prints the systemd unit, which systemd itself accepts, and the
unit shipped in packaging/linux/ is that unit; the reads in parts' id ranges."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from erpsync_gui.app.headless.systemd import render_unit
from erpsync_gui.cli import main
from erpsync_gui.connectors.partitions import IdRange, split_ids

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="the systemd unit is for Linux")
def test_the_dry_run_prints_a_unit_that_systemd_accepts(tmp_path, capsys):
    assert main(["service", "install", "--dry-run"]) == 0
    unit = capsys.readouterr().out
    assert "service run" in unit and "${ERPSYNC_STORE_URL}" in unit and "postgresql+psycopg://" not in unit.split(
        "[Unit]")[1]
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing on CI (Debian's systemd package)", pytrace=False)
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    path = tmp_path / "erpsync.service"
    path.write_text(unit, encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "Invalid" not in done.stderr, done.stderr


def test_the_shipped_unit_is_the_one_the_product_renders():
    shipped = (REPO / "packaging" / "linux" / "erpsync.service").read_text(encoding="utf-8")
    assert shipped == render_unit(executable="/usr/local/bin/erpsync")


def test_id_ranges_cover_every_id_once():
    ranges = split_ids(3, 1002, 4)
    assert ranges == (IdRange(3, 253), IdRange(253, 503), IdRange(503, 753), IdRange(753, 1003))
    assert split_ids(5, 6, 4) == (IdRange(5, 6), IdRange(6, 7))
    assert split_ids(None, None, 4) == ()
