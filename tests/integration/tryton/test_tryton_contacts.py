"""contacts on Tryton's named contact mechanisms, against a real server."""

from __future__ import annotations

import pytest

from erpsync_gui.errors import MappingError, StaleVersionError

pytestmark = pytest.mark.tryton


@pytest.fixture(scope="module")
def client_id(admin) -> str:
    return str(admin.create("party.party", {"name": "Contoso"})[0])


def test_a_contact_is_its_named_mechanisms(connector, admin, client_id):
    record = connector.create("contacts", {"name": "Jane Roe", "client_id": client_id, "email": "jane@contoso.test",
                                           "phone": "+1 555 0100"})

    mechanisms = admin.search_read("party.contact_mechanism", [("party", "=", int(client_id))],
                                   ["name", "type", "value"])
    assert {(m["name"], m["type"], m["value"]) for m in mechanisms} == {
        ("Jane Roe", "email", "jane@contoso.test"), ("Jane Roe", "phone", "+1 555 0100")}
    assert record.id == str(min(m["id"] for m in mechanisms))
    assert (record.data["email"], record.data["phone"], record.data["client_id"]) == (
        "jane@contoso.test", "+1 555 0100", int(client_id))
    client = connector.get_many("clients", [client_id])[client_id]
    assert client.data["email"] is None  # a contact's e-mail is not the client's own


def test_update_changes_adds_and_removes_members(connector, admin, client_id):
    record = connector.create("contacts", {"name": "John Poe", "client_id": client_id, "email": "john@contoso.test",
                                           "phone": "+1 555 0101"})

    updated = connector.update("contacts", record.id, {"name": "John Q. Poe", "email": "jq@contoso.test",
                                                       "phone": None, "mobile": "+1 555 0199"},
                               version=record.version)

    rows = admin.search_read("party.contact_mechanism", [("party", "=", int(client_id)), ("name", "like", "John%")],
                             ["name", "type", "value"])
    assert {(m["name"], m["type"], m["value"]) for m in rows} == {
        ("John Q. Poe", "email", "jq@contoso.test"), ("John Q. Poe", "mobile", "+1 555 0199")}
    assert updated.id == record.id
    assert (updated.data["name"], updated.data["mobile"], updated.data["phone"]) == (
        "John Q. Poe", "+1 555 0199", None)


def test_a_member_edited_in_tryton_makes_the_version_stale(connector, admin, client_id):
    record = connector.create("contacts", {"name": "Stale Sam", "client_id": client_id, "email": "sam@contoso.test"})
    admin.write("party.contact_mechanism", [int(record.id)], {"value": "sam2@contoso.test"})

    with pytest.raises(StaleVersionError):
        connector.update("contacts", record.id, {"email": "sam3@contoso.test"}, version=record.version)


def test_the_feed_reports_a_contact_once_and_an_archived_one_as_deleted(connector, admin, client_id):
    record = connector.create("contacts", {"name": "Feed Fay", "client_id": client_id, "email": "fay@contoso.test",
                                           "phone": "+1 555 0102"})
    pages = list(connector.changes("contacts", None, 1))
    assert [r.id for p in pages for r in p.records].count(record.id) == 1
    cursor = pages[-1].cursor

    archived = connector.archive("contacts", record.id)
    assert archived.data["active"] is False
    later = list(connector.changes("contacts", cursor, 10))
    assert record.id in {d for p in later for d in p.deleted}
    assert record.id not in {r.id for p in later for r in p.records}


def test_find_by_email_and_delete(connector, client_id):
    record = connector.create("contacts", {"name": "Find Fred", "client_id": client_id, "email": "fred@contoso.test"})

    found = connector.find_by_keys("contacts", "email", ["fred@contoso.test", "nobody@contoso.test"])
    assert [r.id for r in found["fred@contoso.test"]] == [record.id]

    connector.delete("contacts", record.id)
    assert connector.get_many("contacts", [record.id]) == {}


def test_a_contact_needs_a_name_and_a_way_to_reach_them(connector, client_id):
    with pytest.raises(MappingError):
        connector.create("contacts", {"client_id": client_id, "email": "anon@contoso.test"})
    with pytest.raises(MappingError):
        connector.create("contacts", {"name": "Unreachable", "client_id": client_id})


def test_create_many_contacts_in_one_call(connector, client_id):
    results = connector.create_many("contacts", [
        {"name": "Batch One", "client_id": client_id, "email": "b1@contoso.test", "phone": "+1 1"},
        {"name": "Batch Two", "client_id": "999999", "email": "b2@contoso.test"},
        {"name": "Batch Three", "client_id": client_id, "mobile": "+1 3"},
    ])
    assert results[0].record is not None and results[0].record.data["phone"] == "+1 1"
    assert results[1].error is not None  # no such party
    assert results[2].record is not None and results[2].record.data["mobile"] == "+1 3"
