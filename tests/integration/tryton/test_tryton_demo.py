"""`erpsync demo --erp tryton`: the demo CRM and a local Tryton (the database kept under the data directory)
set up with the pair's default mappings, trytond started on a free port, and a first sync that lands the
CRM's clients and invoices in Tryton. The seeded database of the session's server stands in for the one the
first demo run creates (the same product code builds both), so the test does not pay for a second build."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from erpsync_gui.app.tryton_demo import PASSWORD, TRYTON_DEMO_PROFILE
from erpsync_gui.cli import main
from erpsync_gui.paths import default_store_url
from erpsync_gui.records import Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.tryton_local import DATABASE
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store

pytestmark = pytest.mark.tryton


def test_the_tryton_demo_syncs_the_demo_crm_into_a_local_tryton(tmp_path, tryton_session, capsys):
    seeded = tryton_session.server
    tryton_dir = tmp_path / "demo-tryton" / "tryton"
    tryton_dir.mkdir(parents=True)
    shutil.copyfile(seeded.snapshot, tryton_dir / f"{DATABASE}.sqlite")
    SecretStore().set(TRYTON_DEMO_PROFILE, Side.ERP, PASSWORD, seeded.password)

    code = main(["--data-dir", str(tmp_path), "demo", "--erp", "tryton"])
    out, err = capsys.readouterr()

    assert code == 0, out + err
    assert "ERP: Tryton at http://127.0.0.1:" in out and "clients" in out and "invoices" in out
    store = open_store(default_store_url(tmp_path))
    try:
        profile = ConfigRepo(store).get_profile(TRYTON_DEMO_PROFILE)
    finally:
        store.close()
    assert profile.erp.kind == "tryton" and [e.entity for e in profile.entities] == ["clients", "invoices"]
    assert profile.entity("invoices").fields[0] == {"crm": "own_number", "erp": "reference", "type": "text",
                                                    "transform": ["strip"], "direction": "export"}
    with sqlite3.connect(tmp_path / "demo-tryton" / "crm.sqlite") as crm:
        clients = crm.execute(f"SELECT count(*) FROM {schema.CLIENTS.name}").fetchone()[0]
        invoices = crm.execute(f"SELECT count(*) FROM {schema.INVOICES.name}").fetchone()[0]
    with sqlite3.connect(tryton_dir / f"{DATABASE}.sqlite") as erp:
        parties = erp.execute("SELECT count(*) FROM party_party").fetchone()[0]
        references = erp.execute("SELECT count(*) FROM account_invoice WHERE reference LIKE 'INV-%'").fetchone()[0]
    # each CRM client in Tryton; Tryton's own company party is no client and stays out of the CRM
    assert parties == clients + 1 and clients > 1
    with sqlite3.connect(tmp_path / "demo-tryton" / "crm.sqlite") as crm:
        names = {r[0] for r in crm.execute(f"SELECT company FROM {schema.CLIENTS.name}")}
    assert "Dunder Mifflin" not in names
    assert references == invoices > 0
