"""Whole engine runs between an in-memory CRM and the real Tryton server: the connector's cursor,
versions and sub-record writes as the engine uses them."""

from __future__ import annotations

import pytest

from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.config_repo import ConfigRepo
from tests.fakes.memory import MemoryConnector
from tests.tryton_server import DATABASE

pytestmark = pytest.mark.tryton

FIELDS = (
    {"crm": "customer_number", "erp": "code", "type": "text"},
    {"crm": "company", "erp": "name", "type": "text", "required": True},
    {"crm": "city", "erp": "city", "type": "text"},
    {"crm": "email", "erp": "email", "type": "text"},
)


@pytest.fixture
def crm() -> MemoryConnector:
    return MemoryConnector()


@pytest.fixture
def engine(store, crm, connector, tryton):
    profile = ConfigRepo(store).save_profile(ProfileConfig(
        name="tryton",
        crm=EndpointConfig(Side.CRM, "memory", "memory://crm", batch_size=3),
        erp=EndpointConfig(Side.ERP, "tryton", tryton.url, auth="session", batch_size=3,
                           options={"database": DATABASE}),
        entities=(EntityConfig("clients", direction=Direction.BOTH, match_keys=("customer_number",),
                               fields=FIELDS),),
    ))
    return SyncEngine(store, profile, {Side.CRM: crm, Side.ERP: connector}, time_gate_s=0)


def _crm_by_number(crm):
    return {r["customer_number"]: r for r in crm.rows("clients")}


def test_import_then_edits_both_ways_and_no_echo(engine, crm, admin):
    made = admin.create("party.party", *({"name": f"Sync {n}", "code": f"S-{n}",
                                          "addresses": [["create", [{"city": "Gent"}]]],
                                          "contact_mechanisms": [["create", [{"type": "email",
                                                                              "value": f"s{n}@sync.test"}]]]}
                                         for n in range(7)))

    first = engine.run("clients", Direction.IMPORT)
    assert first.status == "success", first.message
    crm_rows = _crm_by_number(crm)
    assert {f"S-{n}" for n in range(7)} <= set(crm_rows)
    assert crm_rows["S-3"]["email"] == "s3@sync.test" and crm_rows["S-3"]["city"] == "Gent"

    again = engine.run("clients", Direction.BOTH)
    assert again.counts["inserted"] == again.counts["updated"] == 0

    crm.put("clients", {"city": "Antwerpen"}, crm_rows["S-2"]["id"])
    out = engine.run("clients", Direction.BOTH)
    assert out.counts["updated"] == 1, out.message
    party = admin.read("party.party", [made[2]], ["addresses"])[0]
    assert admin.read("party.address", party["addresses"], ["city"])[0]["city"] == "Antwerpen"

    settled = engine.run("clients", Direction.BOTH)  # our own write comes back from Tryton: skipped
    assert settled.counts["updated"] == settled.counts["inserted"] == 0

    address = admin.read("party.party", [made[5]], ["addresses"])[0]["addresses"][0]
    admin.write("party.address", [address], {"city": "Leuven"})  # edited on its own, the party untouched
    back = engine.run("clients", Direction.BOTH)
    assert back.counts["updated"] == 1
    assert _crm_by_number(crm)["S-5"]["city"] == "Leuven"


def test_a_crm_client_is_created_in_tryton_with_its_email(engine, crm, admin):
    crm.put("clients", {"customer_number": "CRM-9", "company": "From the CRM", "city": "Namur",
                        "email": "crm9@sync.test"})

    result = engine.run("clients", Direction.EXPORT)

    assert result.counts["inserted"] == 1, result.message
    party = admin.search_read("party.party", [("code", "=", "CRM-9")], ["name", "contact_mechanisms"])[0]
    assert party["name"] == "From the CRM"
    assert admin.read("party.contact_mechanism", party["contact_mechanisms"], ["value"])[0]["value"] == \
        "crm9@sync.test"
