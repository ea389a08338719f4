"""contacts on Tryton's named contact mechanisms (`party.contact_mechanism` with a `name`).

Why mechanisms and not parties: with the modules a sale and invoice setup uses (party, company, sale,
account_invoice), Tryton has no party-to-party link (that is the separate party_relationship module);
what it offers for "the people at a customer" is the contact mechanism's `name` ("the name of the
contact"), on the customer's own party. So a contact is the group of active mechanisms of one party that
share one name: its e-mail, phone, mobile ... Its id is the id of the group's oldest mechanism (stable
while that one exists); its version carries every member's `_timestamp`.

Written back, each field goes to the member of that type: written, created (with the contact's name),
or deleted when emptied; a new name renames every member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any, ClassVar

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.tryton import feed
from erpsync_gui.connectors.tryton.entity import LOOKUP_CHUNK, Entity
from erpsync_gui.connectors.tryton.models import Row, format_version, stamp, versions
from erpsync_gui.errors import MappingError, PermanentError
from erpsync_gui.records import Record

MECHANISM_TYPES = ("email", "phone", "mobile", "fax", "website")
FIELDS = ("id", "write_date", "create_date", "_timestamp", "active", "party", "party.code", "name", "type", "value",
          "comment")
NAMED = (("name", "!=", None), ("name", "!=", ""))


def _group_key(row: Row) -> tuple[int, str] | None:
    name = (row.get("name") or "").strip()
    return (row["party"], name) if isinstance(row.get("party"), int) and name else None


class Contacts(Entity):
    name = "contacts"
    model = "party.contact_mechanism"
    keys: ClassVar[Mapping[str, str]] = {"email": "value", "phone": "value", "name": "name"}
    writable = True
    domain = NAMED
    read_only = frozenset({"client_code", "mechanism_ids"})
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "name": ("text", True), "client_id": ("text", True), "client_code": ("text", False),
        "active": ("boolean", False), **{t: ("text", False) for t in MECHANISM_TYPES},
    }

    def read_fields(self) -> tuple[str, ...]:
        return FIELDS

    # -- grouping -----------------------------------------------------------------------------------

    def groups_of(self, rows: Iterable[Row]) -> dict[tuple[int, str], list[Row]]:
        """Every named mechanism of the groups the given rows belong to (inactive ones included)."""
        keys = {k for k in (_group_key(r) for r in rows) if k is not None}
        groups: dict[tuple[int, str], list[Row]] = {}
        for chunk in chunked(sorted({p for p, _ in keys}), LOOKUP_CHUNK):
            names = sorted({n for p, n in keys if p in chunk})
            domain = [*NAMED, ("party", "in", chunk), ("name", "in", names)]
            for row in self.models.search_read(self.model, domain, FIELDS, order=[("id", "ASC")]):
                key = _group_key(row)
                if key in keys:
                    groups.setdefault(key, []).append(row)
        return groups

    def group_record(self, members: list[Row]) -> Record:
        """The contact of one group: its active members (all of them, and inactive, when none is active)."""
        active = [m for m in members if m.get("active")] or members
        first = min(active, key=lambda m: m["id"])
        data: dict[str, Any] = {"id": first["id"], "name": first.get("name"), "client_id": first.get("party"),
                                "client_code": (first.get("party.") or {}).get("code"),
                                "active": bool(first.get("active")),
                                "mechanism_ids": [m["id"] for m in active]}
        for kind in MECHANISM_TYPES:
            data[kind] = next((m.get("value") for m in active if m.get("type") == kind), None)
        moments = [s for s in (stamp(m) for m in active) if s is not None]
        return Record(id=str(first["id"]), data=data,
                      updated_at=max(moments).astimezone(UTC) if moments else None,
                      version=format_version(versions(self.model, active)))

    def _records(self, rows: Iterable[Row]) -> tuple[dict[str, Record], list[str]]:
        """Active contacts by id, and the ids of inactive ones."""
        records: dict[str, Record] = {}
        gone: list[str] = []
        for members in self.groups_of(rows).values():
            record = self.group_record(members)
            if record.data["active"]:
                records[record.id] = record
            else:
                gone.append(record.id)
        return records, gone

    def _all(self, rows: Iterable[Row]) -> dict[str, Record]:
        return {r.id: r for r in (self.group_record(m) for m in self.groups_of(rows).values())}

    # -- reading ------------------------------------------------------------------------------------

    def streams(self) -> list[feed.Stream]:
        return feed.streams_for(self.model, FIELDS, NAMED, has_stamp=self.has_stamp(self.model))

    def collect(self, hits: Mapping[str, list[Row]]) -> tuple[list[Record], list[str]]:
        records, gone = self._records(row for rows in hits.values() for row in rows)
        return list(records.values()), gone

    def records(self, ids: Iterable[int]) -> dict[str, Record]:
        wanted = {str(i) for i in ids}
        found = self._all(self.models.by_ids(self.model, [int(i) for i in wanted], FIELDS).values())
        return {k: v for k, v in found.items() if k in wanted}

    def find_by_keys(self, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        if field not in self.keys:
            raise PermanentError(f"contacts cannot be looked up by {field!r} in Tryton",
                                 hint=f"use one of {', '.join(self.keys)}")
        forms = {str(v).strip(): str(v) for v in values if v is not None and str(v).strip()}
        found: dict[str, list[Record]] = {}
        for chunk in chunked(forms, LOOKUP_CHUNK):
            domain: list[Any] = [*NAMED, ("active", "=", True), (self.keys[field], "in", chunk)]
            if field != "name":
                domain.append(("type", "in", ["phone", "mobile"] if field == "phone" else [field]))
            rows = self.models.search_read(self.model, domain, FIELDS)
            records, _ = self._records(rows)
            for record in records.values():
                key = forms.get(str(record.data.get(field) or "").strip())
                if key is not None:
                    found.setdefault(key, []).append(record)
        return found

    # -- writing ------------------------------------------------------------------------------------

    def new_mechanisms(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The mechanisms that make up a new contact."""
        name = str(payload.get("name") or "").strip()
        if not name:
            raise MappingError("a Tryton contact needs a name", field="name")
        party = self.tryton_id(payload.get("client_id"))
        if not self.models.by_ids("party.party", [party], ["id"]):
            raise MappingError(f"Tryton has no client {party}", field="client_id")  # SQLite keeps no foreign keys
        values = [{"party": party, "name": name, "type": kind, "value": str(payload[kind]).strip()}
                  for kind in MECHANISM_TYPES if str(payload.get(kind) or "").strip()]
        if not values:
            raise MappingError("a Tryton contact needs an e-mail, a phone or another way to reach them",
                               field="email")
        return values

    def member_actions(self, record: Record, payload: Mapping[str, Any]
                       ) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]], list[int]]:
        """(writes by mechanism id, creates, deletes) that bring the contact to `payload`."""
        members = {m: None for m in record.data.get("mechanism_ids") or []}
        rows = self.models.by_ids(self.model, list(members), FIELDS)
        name = str(payload.get("name") or record.data.get("name") or "").strip()
        writes: dict[int, dict[str, Any]] = {}
        if payload.get("name") is not None and name != record.data.get("name"):
            writes = {i: {"name": name} for i in rows}
        creates: list[dict[str, Any]] = []
        deletes: list[int] = []
        for kind in MECHANISM_TYPES:
            if kind not in payload:
                continue
            value = str(payload[kind] or "").strip() or None
            member = next((r for r in rows.values() if r.get("type") == kind and r.get("active")), None)
            if member is None and value:
                creates.append({"party": record.data["client_id"], "name": name, "type": kind, "value": value})
            elif member is not None and value is None:
                deletes.append(member["id"])
            elif member is not None and value != member.get("value"):
                writes.setdefault(member["id"], {})["value"] = value
        if "client_id" in payload and self.tryton_id(payload["client_id"]) != record.data.get("client_id"):
            for i in rows:
                writes.setdefault(i, {})["party"] = self.tryton_id(payload["client_id"])
        # Tryton deletes before it writes within one call: a member to delete is not written
        return {i: v for i, v in writes.items() if i not in deletes}, creates, deletes

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"members": self.new_mechanisms(payload)}

    def create_ids(self, values: Sequence[Mapping[str, Any]]) -> list[int]:
        """All members of all contacts in one `create`; each contact's id is its first member's."""
        members = [m for v in values for m in v["members"]]
        ids = self.models.create(self.model, members, "the create of contacts")
        result, at = [], 0
        for v in values:
            result.append(min(ids[at:at + len(v["members"])]))
            at += len(v["members"])
        return result

    def rows(self, ids: Iterable[int]) -> dict[int, Row]:
        """The contact's primary row, carrying its record (for update)."""
        wanted = list(ids)
        records = self.records(wanted)
        return {i: {"id": i, "record": records[str(i)]} for i in wanted if str(i) in records}

    def update(self, row: Row, payload: Mapping[str, Any], timestamps: Mapping[str, str] | None) -> None:
        """One write on the party: the members' changes as its one2many actions, so they apply together
        (each member written or deleted is checked against its own `_timestamp`)."""
        record: Record = row["record"]
        writes, creates, deletes = self.member_actions(record, payload)
        actions: list[list[Any]] = [["write", [i], values] for i, values in writes.items()]
        if creates:
            actions.append(["create", [{k: v for k, v in c.items() if k != "party"} for c in creates]])
        if deletes:
            actions.append(["delete", deletes])
        if actions:
            self.models.write("party.party", [record.data["client_id"]], {"contact_mechanisms": actions},
                              f"the update of contacts {record.id}", timestamps)

    def _members(self, rid: int) -> list[int]:
        record = self.records([rid]).get(str(rid))
        return list(record.data["mechanism_ids"]) if record is not None else []

    def remove(self, rid: int, timestamps: Mapping[str, str] | None) -> None:
        members = self._members(rid)
        if members:
            self.models.client.model(self.model, "delete", members, what=f"the delete of contacts {rid}",
                                     context={"_timestamp": dict(timestamps)} if timestamps else None)

    def deactivate(self, rid: int, timestamps: Mapping[str, str] | None) -> None:
        members = self._members(rid)
        if members:
            self.models.write(self.model, members, {"active": False}, f"the archive of contacts {rid}", timestamps)
