"""The demo's clients' county and locality: the ERP's names become the demo CRM's tblcounties and tbllocalities ids
(tblclients.county_id, locality_id) through the clients' lookup value maps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from erpsync_gui.app.demo import DEMO_CURRENCY_MAPPING
from erpsync_gui.app.service import SyncService
from erpsync_gui.mapping.value_fill import folded
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.demo_places import COUNTIES, LOCALITIES
from erpsync_gui.store.queries import grouped_errors
from tests.integration.demo_service import count, crm_fixture, links, service_fixture, set_currency_mapping  # noqa: F401

COUNTY_IDS = {code: i for i, code, _ in COUNTIES}
LOCALITY_IDS = {folded(name): i for i, _, name in LOCALITIES}


def _places(engine: Engine) -> dict[str, tuple[int | None, int | None]]:
    with engine.connect() as conn:
        return {str(r.userid): (r.county_id, r.locality_id) for r in conn.execute(
            select(schema.CLIENTS.c.userid, schema.CLIENTS.c.county_id, schema.CLIENTS.c.locality_id))}


def test_county_and_locality_names_arrive_as_the_crms_ids_a_rerun_writes_nothing_and_an_edit_flows(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    assert service.sync("currencies").status == "success"
    first = service.sync("clients")
    assert first.status == "success" and first.counts["failed"] == 0
    clients, places = links(service, "clients"), _places(crm)
    for doc in erp.records("clients"):
        assert places[clients[str(doc["id"])]] == (COUNTY_IDS[doc["county"]], LOCALITY_IDS[folded(doc["city"])])

    again = service.sync("clients")
    assert (again.counts["inserted"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0)

    doc = next(d for d in erp.records("clients") if d["county"] != "CJ" and str(d["id"]) in clients)
    erp.edit("clients", doc["id"], county="CJ", city="Cluj-Napoca")
    assert service.sync("clients").counts["updated"] == 1
    assert _places(crm)[clients[str(doc["id"])]] == (COUNTY_IDS["CJ"], LOCALITY_IDS["cluj-napoca"])


def test_a_place_the_value_map_lacks_is_no_id_and_keeps_its_name(service: SyncService,
                                                              crm: Engine) -> None:
    erp = service.sandbox.start()
    assert service.sync("currencies").status == "success"
    assert service.sync("clients").status == "success"
    doc = erp.records("clients")[-1]
    erp.edit("clients", doc["id"], county="VN", city="Focșani")
    result = service.sync("clients")
    assert (result.counts["failed"], result.counts["updated"]) == (0, 1)
    crm_id = links(service, "clients")[str(doc["id"])]
    assert _places(crm)[crm_id] == (0, 0)  # "none", as Perfex writes no country
    with crm.connect() as conn:
        row = conn.execute(select(schema.CLIENTS.c.state, schema.CLIENTS.c.city).where(
            schema.CLIENTS.c.userid == int(crm_id))).one()
    assert tuple(row) == ("VN", "Focșani")
    again = service.sync("clients")
    assert (again.counts["updated"], again.counts["failed"]) == (0, 0)  # "none" is no change to write again


def test_without_a_currency_mapping_clients_stop_with_a_clear_error_and_nothing_is_lost(
        service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    assert service.sync("currencies").status == "success"
    before = count(crm, schema.CLIENTS)
    set_currency_mapping(service, "clients", {})
    failed = service.sync("clients")
    assert failed.status != "success" and failed.counts["inserted"] == 0 and count(crm, schema.CLIENTS) == before
    groups = [g for g in grouped_errors(service.store, service.profile("demo").id) if g.entity == "clients"]
    assert groups and all("currency mapping" in g.message for g in groups)
    set_currency_mapping(service, "clients", DEMO_CURRENCY_MAPPING)
    fixed = service.sync("clients")
    assert fixed.status == "success" and fixed.counts["failed"] == 0
    assert {str(d["id"]) for d in erp.records("clients")} <= set(links(service, "clients"))


def test_the_demo_value_maps_name_every_place_of_both_sides() -> None:
    from erpsync_gui.app.demo import place_rows
    from erpsync_gui.sandbox import demo_crm, seed_data

    rows = {r["crm"]: r["value_map"] for r in place_rows()}
    assert set(rows["county_id"].values()) == {p[1] for p in seed_data.PLACES} | {p[1] for p in demo_crm.PLACES}
    assert set(rows["locality_id"].values()) == {p[0] for p in seed_data.PLACES} | {p[0] for p in demo_crm.PLACES}
    assert rows["locality_id"]["2"] == "Iași"  # the CRM writes it "Iasi": diacritics aside, the same place
