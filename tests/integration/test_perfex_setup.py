"""Setting a profile up against stock Perfex: the findings of a connection test, the currency mapping proposed
from both sides' lists (and the check that flags a wrong one), and the CLI's `test` and `crm add-markers`."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from erpsync_gui.app.crm_findings import ERROR, WARNING, crm_findings
from erpsync_gui.app.currency_proposal import (
    Currency,
    check_currency_mapping,
    currencies_from,
    propose_currency_mapping,
)
from erpsync_gui.cli import main
from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.seed_data import CURRENCIES
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from tests import perfex_schema as stock

ERP = currencies_from(CURRENCIES, Side.ERP)  # the sandbox ERP's: 1 RON, 2 EUR, 3 USD, 4 IRR
STOCK = [Currency("1", "USD"), Currency("2", "EUR")]


@pytest.fixture
def stock_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'perfex.db'}"
    engine = create_engine(url, poolclass=NullPool)
    stock.create_stock(engine)
    engine.dispose()
    return url


@pytest.fixture
def crm(stock_url: str) -> Iterator[SqlConnector]:
    connector = SqlConnector(EndpointConfig(Side.CRM, "sql", stock_url), {})
    yield connector
    connector.close()


def _config(entity: str, **changes) -> EntityConfig:
    return EntityConfig(entity, match_keys=default_match_keys(entity), fields=tuple(default_fields(entity)),
                        **changes)


def test_the_identity_currency_mapping_is_flagged_and_a_proposal_pairs_iso_codes() -> None:
    identity = {"1": 1, "2": 2, "3": 3, "4": 4}
    problems = check_currency_mapping(identity, ERP, STOCK)
    assert "ERP currency 1 (RON) is mapped to CRM currency 1 (USD): amounts in RON would be written as USD" in problems
    assert "ERP currency 3 (USD) is mapped to CRM currency 3, which does not exist in the CRM" in problems
    assert not any(p.startswith("ERP currency 2 ") for p in problems)  # EUR is EUR on both sides
    proposal = propose_currency_mapping(ERP, STOCK)
    assert proposal.mapping == {"2": 2, "3": 1}
    assert [c.code for c in proposal.unmatched] == ["RON", "IRR"] and "RON" in proposal.notes[0]
    assert check_currency_mapping(proposal.mapping, ERP, STOCK) == []
    # once the ERP's currencies were synced into Perfex (RON and IRR created there), nothing is left out
    synced = [*STOCK, Currency("3", "RON"), Currency("4", "IRR")]
    full = propose_currency_mapping(ERP, synced)
    assert full.mapping == {"1": 3, "2": 2, "3": 1, "4": 4} and not full.unmatched
    assert check_currency_mapping({"2": 2}, ERP, synced) == [
        "ERP currency 1 (RON) is not mapped, though the CRM has RON", "ERP currency 3 (USD) is not mapped, "
        "though the CRM has USD", "ERP currency 4 (IRR) is not mapped, though the CRM has IRR"]
    assert check_currency_mapping({"1": 3, "4": 3}, ERP, synced)[0].startswith("currency mapping is invalid")


def test_findings_name_every_missing_column_key_marker_and_required_column(crm: SqlConnector) -> None:
    contacts = _config("contacts")
    without_email = dataclasses.replace(contacts, fields=tuple(r for r in contacts.fields if r["crm"] != "email"),
                                        match_keys=())
    clients = _config("clients")
    with_number = dataclasses.replace(clients, match_keys=("customer_number", "vat"), fields=(
        *clients.fields, {"crm": "customer_number", "erp": "customer_number", "type": "text"}))
    findings = crm_findings(crm, [with_number, without_email, _config("tickets", direction=Direction.IMPORT),
                                  _config("leads", direction=Direction.EXPORT),
                                  EntityConfig("warehouses", fields=({"crm": "name", "erp": "name"},))])
    lines = [f.line() for f in findings]
    assert "clients: mapped column customer_number does not exist in tblclients" in lines
    assert "clients: match key customer_number is not a column of tblclients" in lines
    assert "contacts: required column tblcontacts.email is not mapped and has no default: every create there " \
           "would be refused" in lines
    assert ("tickets: marker columns external_id, external_channel are missing in tbltickets: creates are refused "
            "until they exist (no natural key)") in lines
    # stock Perfex has no department: a ticket's department is required and nothing can fill it
    assert any(line.startswith("tickets: required column tbltickets.department") for line in lines)
    assert "warehouses: table tblwarehouse is missing: the entity cannot sync" in lines
    warnings = {f.entity for f in findings if f.severity == WARNING}
    assert warnings == {"clients", "contacts", "leads"}  # markers missing where a natural key finds records
    assert not any(f.entity == "leads" and f.severity == ERROR for f in findings)  # export only: Perfex not written


def _profile_dir(tmp_path: Path, stock_url: str) -> Path:
    data = tmp_path / "data"
    store = open_store(None, data_dir=data)
    ConfigRepo(store).save_profile(ProfileConfig(
        name="perfex", crm=EndpointConfig(Side.CRM, "sql", stock_url),
        erp=EndpointConfig(Side.ERP, "rest", "https://erp.invalid/", auth="bearer"),
        entities=tuple(_config(e) for e in ("clients", "tickets", "payments"))))
    store.close()
    return data


def test_crm_add_markers_shows_the_sql_asks_and_only_then_changes_the_database(
        tmp_path: Path, stock_url: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _profile_dir(tmp_path, stock_url)
    engine = create_engine(stock_url, poolclass=NullPool)

    def marked() -> set[str]:
        return {t for t in ("tblclients", "tbltickets", "tblinvoicepaymentrecords")
                if "external_id" in {c["name"] for c in inspect(engine).get_columns(t)}}

    assert main(["--data-dir", str(data), "crm", "add-markers", "--print-sql"]) == 0
    sql = capsys.readouterr().out
    assert sql.count("ALTER TABLE") == 6 and sql.count("CREATE INDEX") == 3 and "tbltickets" in sql  # SQLite
    assert marked() == set()

    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert main(["--data-dir", str(data), "crm", "add-markers", "-e", "tickets"]) == 1
    out = capsys.readouterr().out
    assert "tbltickets (tickets): external_id, external_channel" in out and "nothing was changed" in out
    assert marked() == set()

    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["--data-dir", str(data), "crm", "add-markers", "-e", "tickets"]) == 0
    assert marked() == {"tbltickets"}
    assert main(["--data-dir", str(data), "crm", "add-markers", "--yes"]) == 0
    assert "added the marker columns to 2 tables" in capsys.readouterr().out
    assert marked() == {"tblclients", "tbltickets", "tblinvoicepaymentrecords"}
    assert main(["--data-dir", str(data), "crm", "add-markers"]) == 0
    assert "every table already has the marker columns" in capsys.readouterr().out
    engine.dispose()


def test_erpsync_test_prints_what_the_crm_lacks(tmp_path: Path, stock_url: str,
                                                capsys: pytest.CaptureFixture) -> None:
    data = _profile_dir(tmp_path, stock_url)
    code = main(["--data-dir", str(data), "test"])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL CRM" in out and "12 of 13 perfex tables found" in out
    assert "       missing table tblwarehouse (entity warehouses)" in out
    assert "       tickets: marker columns external_id, external_channel are missing in tbltickets" in out
    assert "       tickets: required column tbltickets.department is not mapped" in out
