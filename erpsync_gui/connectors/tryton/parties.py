"""clients on `party.party`, with its addresses (`party.address`) and contact mechanisms
(`party.contact_mechanism`) flattened into the record's data.

The flat fields come from the party's first active address (street, city, zip, country as ISO code) and
its first active unnamed mechanism of each type (email, phone, mobile, fax, website); named mechanisms
belong to the party's contacts (contacts.py). Written back, each flat field goes to that same sub-record
through the party's one2many actions (`write` it, `create` it when there is none, `delete` it when the
value is emptied), so Tryton's own validation of addresses and mechanisms applies.
The full lists stay in the data as `addresses`, `contact_mechanisms` and `identifiers` for mappings that
want them; `vat` is read only.

A party is also what Tryton's company and its employees are (`company.company.party`,
`company.employee.party`): those parties are never clients, so the changes feed and the look-ups by key leave
them out (asked again at each read of changes, as employees come and go); a read by id returns what it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from erpsync_gui.connectors.tryton.entity import Entity, as_bool
from erpsync_gui.connectors.tryton.models import Row, versions
from erpsync_gui.records import Page, Record

MECHANISM_TYPES = ("email", "phone", "mobile", "fax", "website")
#: flat data key -> party.address field
ADDRESS_FIELDS = {"street": "street", "city": "city", "zip": "postal_code", "country": "country"}


def _clean(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


def active_subrows(row: Row, name: str) -> list[Row]:
    """The active sub-records of a one2many read with dotted names, in Tryton's order."""
    items = row.get(f"{name}.")
    return [r for r in items if isinstance(r, dict) and r.get("active", True)] if isinstance(items, list) else []


#: the models whose parties are the company's own (present when Tryton's company module is activated)
OWN_PARTY_MODELS = ("company.company", "company.employee")


class Clients(Entity):
    name = "clients"
    model = "party.party"
    fields = (
        "name", "code", "identifiers.type", "identifiers.code",
        "addresses", "addresses.street", "addresses.city", "addresses.postal_code", "addresses.country.code",
        "addresses.active", "addresses._timestamp",
        "contact_mechanisms", "contact_mechanisms.type", "contact_mechanisms.value", "contact_mechanisms.name",
        "contact_mechanisms.active", "contact_mechanisms._timestamp",
    )
    keys: ClassVar[Mapping[str, str]] = {"code": "code", "name": "name", "email": "contact_mechanisms.value",
                                         "phone": "contact_mechanisms.value", "vat": "identifiers.code"}
    writable = True
    companions: ClassVar[Mapping[str, str]] = {"party.address": "party", "party.contact_mechanism": "party"}
    read_only = frozenset({"vat", "address_id", "addresses", "contact_mechanisms", "identifiers"})
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "name": ("text", True), "code": ("text", False), "active": ("boolean", False), "vat": ("text", False),
        **{t: ("text", False) for t in MECHANISM_TYPES}, **{k: ("text", False) for k in ADDRESS_FIELDS},
    }

    _own: frozenset[int] | None = None

    def own_parties(self) -> frozenset[int]:
        """The ids of the parties of the companies and their employees (former ones too)."""
        if self._own is None:
            # the technical name of a model is ir.model's `model` in older Tryton, `name` in newer ones
            described = self.models.client.model("ir.model", "fields_get", ["model"], what="the fields of ir.model")
            column = "model" if isinstance(described, dict) and "model" in described else "name"
            known = {r.get(column) for r in self.models.search_read(
                "ir.model", [(column, "in", list(OWN_PARTY_MODELS))], [column], what="the models of Tryton")}
            own: set[int] = set()
            for model in (m for m in OWN_PARTY_MODELS if m in known):
                for rows in self.models.all_pages(model, [], ["party"]):
                    own.update(r["party"] for r in rows if isinstance(r.get("party"), int))
            self._own = frozenset(own)
        return self._own

    def read_domain(self) -> tuple[Any, ...]:
        own = self.own_parties()
        return (*self.domain, ("id", "not in", sorted(own))) if own else self.domain

    def pages(self, cursor: str | None, page_size: int) -> Iterator[Page]:
        self._own = None  # each read of changes asks again
        return super().pages(cursor, page_size)

    def split(self, rows: Iterable[Row]) -> tuple[list[Record], list[str]]:
        # an edit of an own party's address or mechanism names the party: it stays out all the same
        own = self.own_parties()
        return super().split(r for r in rows if r["id"] not in own)

    def data(self, row: Row) -> dict[str, Any]:
        addresses = [{"id": a["id"], "street": a.get("street"), "city": a.get("city"), "zip": a.get("postal_code"),
                      "country": (a.get("country.") or {}).get("code")} for a in active_subrows(row, "addresses")]
        mechanisms = [{"id": m["id"], "type": m.get("type"), "value": m.get("value"), "name": m.get("name") or None}
                      for m in active_subrows(row, "contact_mechanisms")]
        identifiers = [{"type": i.get("type"), "code": i.get("code")} for i in row.get("identifiers.") or []
                       if isinstance(i, dict)]
        # Tryton's VAT identifier types are named <country or eu>_vat; its own `tax_identifier` is a computed
        # field that costs a fifth of a page read
        vat = next((i["code"] for i in identifiers if str(i["type"] or "").endswith("_vat")), None)
        data: dict[str, Any] = {"name": row.get("name"), "code": row.get("code"), "vat": vat,
                                "identifiers": identifiers}
        own = self.own_mechanisms(row)
        for kind in MECHANISM_TYPES:
            data[kind] = own[kind]["value"] if kind in own else None
        first = addresses[0] if addresses else {}
        data.update({key: first.get(key) for key in ADDRESS_FIELDS})
        data["address_id"] = first.get("id")
        data["addresses"], data["contact_mechanisms"] = addresses, mechanisms
        return data

    @staticmethod
    def own_mechanisms(row: Row) -> dict[str, Row]:
        """The party's first active unnamed mechanism of each type."""
        own: dict[str, Row] = {}
        for mechanism in active_subrows(row, "contact_mechanisms"):
            if not mechanism.get("name") and mechanism.get("type") in MECHANISM_TYPES:
                own.setdefault(mechanism["type"], mechanism)
        return own

    def version_entries(self, row: Row) -> dict[str, str]:
        return {**versions(self.model, [row]),
                **versions("party.address", active_subrows(row, "addresses")),
                **versions("party.contact_mechanism", active_subrows(row, "contact_mechanisms"))}

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.write_values({}, payload)

    def write_values(self, row: Row, payload: Mapping[str, Any]) -> dict[str, Any]:
        values = self.passed(payload, known=(*MECHANISM_TYPES, *ADDRESS_FIELDS))
        if "active" in values:
            values["active"] = as_bool(values["active"])
        mechanisms = self._mechanism_actions(row, payload)
        if mechanisms:
            values["contact_mechanisms"] = mechanisms
        addresses = self._address_actions(row, payload)
        if addresses:
            values["addresses"] = addresses
        return values

    def _mechanism_actions(self, row: Row, payload: Mapping[str, Any]) -> list[list[Any]]:
        own = self.own_mechanisms(row)
        actions: list[list[Any]] = []
        new: list[dict[str, Any]] = []
        for kind in MECHANISM_TYPES:
            if kind not in payload:
                continue
            value, current = _clean(payload[kind]), own.get(kind)
            if current is not None and value is None:
                actions.append(["delete", [current["id"]]])
            elif current is not None and value != current.get("value"):
                actions.append(["write", [current["id"]], {"value": value}])
            elif current is None and value is not None:
                new.append({"type": kind, "value": value})
        if new:
            actions.append(["create", new])
        return actions

    def _address_actions(self, row: Row, payload: Mapping[str, Any]) -> list[list[Any]]:
        given = {key: _clean(payload[key]) for key in ADDRESS_FIELDS if key in payload}
        if not given:
            return []
        addresses = active_subrows(row, "addresses")
        current = addresses[0] if addresses else None
        values: dict[str, Any] = {}
        for key, value in given.items():
            field = ADDRESS_FIELDS[key]
            if key == "country":
                now = ((current or {}).get("country.") or {}).get("code")
                if (value or None) != now:
                    values[field] = (self.models.code_id("country.country", "code", str(value), "country")
                                     if value else None)
            elif current is None or value != current.get(field):
                values[field] = value
        if not values:
            return []
        if current is not None:
            return [["write", [current["id"]], values]]
        return [["create", [values]]] if any(v is not None for v in values.values()) else []
