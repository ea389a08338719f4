"""clients on Tryton parties, against a real server: the changes feed and its cursor, reads by id and by
key, writes with addresses and contact mechanisms, the `_timestamp` lock, archive and delete."""

from __future__ import annotations

import json

import pytest

from erpsync_gui.errors import NotFoundError, PermanentError, StaleVersionError
from erpsync_gui.records import Page

pytestmark = pytest.mark.tryton


@pytest.fixture(scope="module")
def countries(admin) -> dict[str, int]:
    """Belgium and France as the seeded database knows them."""
    rows = admin.search_read("country.country", [("code", "in", ["BE", "FR"])], ["code"])
    assert {r["code"] for r in rows} == {"BE", "FR"}
    return {r["code"]: r["id"] for r in rows}


def _ids(pages: list[Page]) -> list[str]:
    return [r.id for p in pages for r in p.records]


def test_full_read_pages_by_keyset_and_survives_edits_between_pages(connector, admin):
    # one create call: the six parties share one create stamp, so the id breaks the ties
    made = [str(i) for i in admin.create("party.party", *({"name": f"Batch {n}"} for n in range(6)))]
    feed = connector.changes("clients", None, 2)

    first = next(feed)
    assert [r.id for r in first.records] == made[:2]  # the company's party (1) is no client
    admin.write("party.party", [int(made[0])], {"name": "Batch 0 edited"})  # already read
    admin.write("party.party", [int(made[3])], {"name": "Batch 3 edited"})  # not read yet
    rest = list(feed)

    seen = _ids([first, *rest])
    assert set(seen) == set(made)
    assert seen.count(made[3]) == 1 and seen.count(made[0]) == 2
    last = {r.id: r for p in [first, *rest] for r in p.records}
    assert last[made[0]].data["name"] == "Batch 0 edited"
    assert last[made[3]].data["name"] == "Batch 3 edited"
    assert rest[-1].complete and not first.complete
    assert all(p.cursor for p in [first, *rest])


def test_cursor_resumes_from_the_last_record_read_inclusively(connector, admin):
    pages = list(connector.changes("clients", None, 50))
    cursor = pages[-1].cursor
    newest = pages[-1].records[-1].id

    # the bound is inclusive: the records of the cursor's own rows come again, the party's and, for each of
    # the address and contact mechanism streams, the party of its last row
    again = _ids(list(connector.changes("clients", cursor, 50)))
    assert newest in again and len(set(again)) <= 3

    pid = admin.create("party.party", {"name": "After the cursor"})[0]
    later = list(connector.changes("clients", cursor, 50))
    assert set(_ids(later)) == {*again, str(pid)}
    assert not later[-1].complete  # an incremental read says nothing about records it did not see
    assert later[-1].cursor != cursor


def test_each_page_cursor_is_the_last_records_stamp_and_id(connector, admin):
    admin.create("party.party", {"name": "Stamp A"}, {"name": "Stamp B"})
    for page in connector.changes("clients", None, 3):
        if not page.records:
            continue
        last = page.records[-1]
        stamp, rid = json.loads(page.cursor)["party.party"]
        assert rid == int(last.id)
        assert stamp == last.updated_at.replace(tzinfo=None).isoformat()


def test_the_overlap_reads_again_before_the_stored_cursor(make_connector, admin):
    connector = make_connector(cursor_overlap_s=3600)
    cursor = list(connector.changes("clients", None, 100))[-1].cursor

    again = _ids(list(connector.changes("clients", cursor, 100)))
    assert len(again) > 1  # everything stamped in the last hour


def test_the_company_and_its_employees_are_no_clients(make_connector, admin):
    # a shop's own party and the parties of the people working there are parties in Tryton, not customers
    staff = admin.create("party.party", {"name": "Pam Beesly", "addresses": [["create", [{"city": "Scranton"}]]]})[0]
    employee = admin.create("company.employee", {"party": staff, "company": 1})[0]
    buyer = admin.create("party.party", {"name": "Scranton Business Park"})[0]
    connector = make_connector()
    pages = list(connector.changes("clients", None, 100))
    seen = set(_ids(pages))
    assert str(buyer) in seen and not {"1", str(staff)} & seen
    assert connector.find_by_keys("clients", "name", ["Dunder Mifflin", "Pam Beesly"]) == {}
    assert connector.get_many("clients", ["1"])["1"].data["name"] == "Dunder Mifflin"  # asked for by id

    # an edit of an employee's address names the party, which stays out; a new employee leaves the next read
    cursor = pages[-1].cursor
    address = admin.search_read("party.address", [("party", "=", staff)], ["id"])[0]["id"]
    admin.write("party.address", [address], {"city": "Nashua"})
    hired = admin.create("party.party", {"name": "Holly Flax"})[0]
    assert str(hired) in set(_ids(list(connector.changes("clients", cursor, 100))))
    admin.create("company.employee", {"party": hired, "company": 1})
    later = set(_ids(list(connector.changes("clients", cursor, 100))))
    assert not {str(staff), str(hired)} & later
    admin.write("company.employee", [employee], {"end_date": "2026-01-31"})  # a former employee: still staff
    assert str(staff) not in set(_ids(list(connector.changes("clients", None, 100))))


def test_an_address_edited_on_its_own_brings_its_party_back(connector, admin):
    pid = admin.create("party.party", {"name": "Has an address",
                                       "addresses": [["create", [{"street": "Old street 1"}]]]})[0]
    cursor = list(connector.changes("clients", None, 100))[-1].cursor
    party = admin.read("party.party", [pid], ["addresses", "write_date"])[0]

    admin.write("party.address", [party["addresses"][0]], {"street": "New street 2"})
    assert admin.read("party.party", [pid], ["write_date"])[0]["write_date"] == party["write_date"]

    records = {r.id: r for p in connector.changes("clients", cursor, 100) for r in p.records}
    assert records[str(pid)].data["street"] == "New street 2"


def test_a_deactivated_party_is_reported_deleted(connector, admin):
    pid = admin.create("party.party", {"name": "Leaving"})[0]
    cursor = list(connector.changes("clients", None, 100))[-1].cursor

    admin.write("party.party", [pid], {"active": False})
    pages = list(connector.changes("clients", cursor, 100))

    assert str(pid) in {d for p in pages for d in p.deleted}
    assert str(pid) not in _ids(pages)
    assert connector.get_many("clients", [str(pid)])[str(pid)].data["active"] is False


def test_create_round_trips_addresses_and_contact_mechanisms(connector, admin, countries):
    record = connector.create("clients", {
        "name": "Acme", "code": "ACME", "email": "info@acme.test", "phone": "+32 2 123 45 67",
        "website": "https://acme.test", "street": "Rue Haute 1", "city": "Brussels", "zip": "1000",
        "country": "be"})

    assert record.id.isdigit() and record.version
    assert record.updated_at is not None and record.updated_at.tzinfo is not None
    data = record.data
    assert (data["email"], data["phone"], data["website"]) == ("info@acme.test", "+32 2 123 45 67", "https://acme.test")
    assert (data["street"], data["city"], data["zip"], data["country"]) == ("Rue Haute 1", "Brussels", "1000", "BE")
    row = admin.read("party.party", [int(record.id)], ["addresses", "contact_mechanisms"])[0]
    address = admin.read("party.address", row["addresses"], ["street", "postal_code", "country"])
    assert address == [{"id": row["addresses"][0], "street": "Rue Haute 1", "postal_code": "1000",
                        "country": countries["BE"]}]
    mechanisms = admin.read("party.contact_mechanism", row["contact_mechanisms"], ["type", "value"])
    assert {(m["type"], m["value"]) for m in mechanisms} == {
        ("email", "info@acme.test"), ("phone", "+32 2 123 45 67"), ("website", "https://acme.test")}


def test_update_writes_each_field_to_its_own_sub_record(connector, admin, countries):
    record = connector.create("clients", {"name": "Globex", "email": "old@globex.test", "phone": "+33 1 11",
                                          "street": "Rue A", "city": "Paris", "country": "FR"})
    before = admin.read("party.party", [int(record.id)], ["addresses", "contact_mechanisms"])[0]
    email_id = next(m["id"] for m in admin.read("party.contact_mechanism", before["contact_mechanisms"], ["type"])
                    if m["type"] == "email")

    updated = connector.update("clients", record.id, {"email": "new@globex.test", "phone": None, "mobile": "+33 6 22",
                                                     "city": "Lyon", "country": "BE"}, version=record.version)

    after = admin.read("party.party", [int(record.id)], ["addresses", "contact_mechanisms"])[0]
    assert after["addresses"] == before["addresses"]  # the same address, written
    address = admin.read("party.address", after["addresses"], ["street", "city", "country"])[0]
    assert (address["street"], address["city"], address["country"]) == ("Rue A", "Lyon", countries["BE"])
    mechanisms = {m["type"]: m for m in admin.read("party.contact_mechanism", after["contact_mechanisms"],
                                                   ["type", "value"])}
    assert set(mechanisms) == {"email", "mobile"}  # the phone was emptied: deleted
    assert mechanisms["email"]["id"] == email_id and mechanisms["email"]["value"] == "new@globex.test"
    assert (updated.data["email"], updated.data["phone"], updated.data["mobile"]) == (
        "new@globex.test", None, "+33 6 22")
    assert updated.version != record.version


def test_an_unknown_country_code_is_refused_for_that_record(connector, countries):
    from erpsync_gui.errors import MappingError

    with pytest.raises(MappingError):
        connector.create("clients", {"name": "Nowhere", "country": "XX"})


def test_a_stale_version_is_a_stale_version_error(connector, admin):
    record = connector.create("clients", {"name": "Initech", "email": "a@initech.test"})
    admin.write("party.party", [int(record.id)], {"name": "Initech (edited in Tryton)"})

    with pytest.raises(StaleVersionError):
        connector.update("clients", record.id, {"name": "Initech from the CRM"}, version=record.version)
    assert connector.get_many("clients", [record.id])[record.id].data["name"] == "Initech (edited in Tryton)"


def test_a_sub_record_edited_since_the_read_is_stale_too(connector, admin):
    record = connector.create("clients", {"name": "Umbrella", "email": "a@umbrella.test"})
    mechanism = admin.read("party.party", [int(record.id)], ["contact_mechanisms"])[0]["contact_mechanisms"][0]
    admin.write("party.contact_mechanism", [mechanism], {"value": "b@umbrella.test"})

    with pytest.raises(StaleVersionError):
        connector.update("clients", record.id, {"email": "c@umbrella.test"}, version=record.version)


def test_update_without_a_version_writes(connector):
    record = connector.create("clients", {"name": "No lock"})
    assert connector.update("clients", record.id, {"name": "No lock, renamed"}).data["name"] == "No lock, renamed"


def test_update_of_a_missing_record_is_not_found(connector):
    with pytest.raises(NotFoundError):
        connector.update("clients", "987654", {"name": "Ghost"})


def test_get_many_leaves_out_ids_that_do_not_exist(connector):
    found = connector.get_many("clients", ["1", "987654", "not-an-id", "1"])
    assert list(found) == ["1"]
    assert found["1"].data["name"] == "Dunder Mifflin"


def test_find_by_keys_groups_by_value(connector):
    a = connector.create("clients", {"name": "Key A", "code": "KEY-A", "email": "shared@keys.test"})
    b = connector.create("clients", {"name": "Key B", "code": "KEY-B", "email": "shared@keys.test"})

    by_code = connector.find_by_keys("clients", "code", ["KEY-A", "KEY-B", "KEY-NONE"])
    assert {k: [r.id for r in v] for k, v in by_code.items()} == {"KEY-A": [a.id], "KEY-B": [b.id]}
    by_email = connector.find_by_keys("clients", "email", ["shared@keys.test"])
    assert sorted(r.id for r in by_email["shared@keys.test"]) == sorted([a.id, b.id])
    with pytest.raises(PermanentError):
        connector.find_by_keys("clients", "street", ["x"])


def test_create_many_sends_one_batch_and_keeps_the_good_records_when_one_is_bad(connector, admin):
    connector.create("clients", {"name": "Holder", "code": "TAKEN"})
    results = connector.create_many("clients", [{"name": "Good 1"}, {"name": "Bad", "code": "TAKEN"},
                                                {"name": "Good 2", "email": "g2@good.test"}])

    assert [r.index for r in results] == [0, 1, 2]
    assert results[0].record is not None and results[2].record is not None
    assert results[1].record is None and isinstance(results[1].error, PermanentError)
    assert "unique" in str(results[1].error)
    assert results[2].record.data["email"] == "g2@good.test"
    names = {r["name"] for r in admin.search_read("party.party", [("name", "in", ["Good 1", "Bad", "Good 2"])],
                                                  ["name"])}
    assert names == {"Good 1", "Good 2"}


def test_create_many_reports_a_mapping_error_for_its_item_only(connector):
    results = connector.create_many("clients", [{"name": "Fine"}, {"name": "Bad country", "country": "ZZ"}])
    assert results[0].record is not None and results[1].error is not None


def test_archive_deactivates_and_delete_removes(connector, admin):
    kept = connector.create("clients", {"name": "To archive"})
    archived = connector.archive("clients", kept.id, version=kept.version)
    assert archived.data["active"] is False
    assert admin.read("party.party", [int(kept.id)], ["active"])[0]["active"] in (False, 0)

    gone = connector.create("clients", {"name": "To delete"})
    connector.delete("clients", gone.id, version=gone.version)
    assert connector.get_many("clients", [gone.id]) == {}
    connector.delete("clients", gone.id)  # already gone: not an error


def test_a_party_in_use_cannot_be_deleted(connector):
    with pytest.raises(PermanentError):
        connector.delete("clients", "1")  # the company's party


def test_capabilities_and_description(connector):
    caps = connector.capabilities("clients")
    assert caps.cursor and caps.batch and caps.delete and caps.archive and caps.reports_deletes
    assert not caps.origin_marker
    info = connector.describe("clients")
    assert info.has_cursor and "code" in info.key_fields
    assert {"name", "email", "street", "country"} <= {f.name for f in info.fields}


def test_without_last_modified_at_the_feed_reads_write_date_and_create_date(make_connector, admin, tryton):
    from tests.integration.tryton.legacy_proxy import LegacyTryton
    from tests.tryton_server import DATABASE

    with LegacyTryton(tryton.url, DATABASE, hide_stamp=True) as old:
        connector = make_connector(url=old.url)
        first = list(connector.changes("clients", None, 3))
        cursor = first[-1].cursor
        keys = set(json.loads(cursor))
        # a "#new" stream holds the records never written (write_date empty: the seed's first address)
        assert "party.party" in keys and "party.address#new" in keys
        seen = set(_ids(first)) | {d for p in first for d in p.deleted}  # inactive ones are reported deleted
        own = {str(r["party"]) for model in ("company.company", "company.employee")
               for r in admin.search_read(model, [], ["party"])}
        assert seen == {str(r["id"]) for r in admin.search_read("party.party", [], ["id"])} - own

        pid = admin.create("party.party", {"name": "Seen by write_date"})[0]
        admin.write("party.party", [pid], {"name": "Seen by write_date, edited"})
        later = {r.id: r for p in connector.changes("clients", cursor, 3) for r in p.records}
        assert later[str(pid)].data["name"] == "Seen by write_date, edited"


def test_an_update_sends_only_what_changed(connector):
    # Tryton refuses any write of a party's code once it is set, even of the same value
    record = connector.create("clients", {"name": "Same code", "code": "SAME-1"})
    updated = connector.update("clients", record.id, {"code": "SAME-1", "name": "Same code, renamed"},
                               version=record.version)
    assert (updated.data["code"], updated.data["name"]) == ("SAME-1", "Same code, renamed")
    with pytest.raises(PermanentError) as caught:
        connector.update("clients", record.id, {"code": "OTHER-1"})
    assert "not allowed to modify" in str(caught.value)


def test_a_stream_that_reads_nothing_keeps_its_stored_mark(make_connector):
    connector = make_connector(cursor_overlap_s=5)
    cursor = json.dumps({"party.party": ["2000-01-01T00:00:00", 0], "party.address": ["2100-01-01T00:00:00", 7]})

    pages = list(connector.changes("clients", cursor, 500))

    assert pages and _ids(pages)
    marks = json.loads(pages[-1].cursor)
    assert marks["party.address"] == ["2100-01-01T00:00:00", 7]  # not moved back by the overlap
    assert marks["party.party"][0] > "2000-01-01"
