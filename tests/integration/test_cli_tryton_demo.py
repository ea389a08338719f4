"""`erpsync demo --erp tryton` where no Tryton can run: it says what to install and sets nothing up."""

from __future__ import annotations

from erpsync_gui.app import tryton_demo
from erpsync_gui.cli import main


def test_without_trytond_the_tryton_demo_says_to_install_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tryton_demo, "missing", lambda: "trytond is not installed")

    code = main(["--data-dir", str(tmp_path), "demo", "--erp", "tryton"])

    err = capsys.readouterr().err
    assert code == 2
    assert "install the tryton extra: pip install erpsync[tryton]" in err
    assert not (tmp_path / "demo-tryton").exists()
