"""The ledgers, stock items and sales invoices vouchers name, kept by GUID and by name while a run lasts.

A voucher names its party and each stock line's item by NAME, and a receipt the invoice it settles by that
invoice's VOUCHERNUMBER; the product knows them by id (the GUID). Each one is read from Tally once (in batches
of names or ids) and kept until `clear()`: the connector clears it when a run starts reading and whenever it
writes a master, so a rename is never answered from an old copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from erpsync_gui.records import Record

ByIds = Callable[[str, Sequence[str]], Mapping[str, Record]]
ByKeys = Callable[[str, str, Sequence[Any]], Mapping[str, list[Record]]]


class Masters:
    """GUID <-> record and name <-> record of what vouchers name: "clients" and "products" by NAME, "invoices"
    by VOUCHERNUMBER."""

    def __init__(self, by_ids: ByIds, by_keys: ByKeys) -> None:
        self._by_ids = by_ids
        self._by_keys = by_keys
        self._ids: dict[tuple[str, str], Record | None] = {}
        self._names: dict[tuple[str, str], Record | None] = {}

    @staticmethod
    def _field(entity: str) -> str:
        return "VOUCHERNUMBER" if entity == "invoices" else "NAME"

    def clear(self) -> None:
        self._ids.clear()
        self._names.clear()

    def _keep(self, entity: str, record: Record) -> None:
        self._ids[(entity, record.id)] = record
        name = record.data.get(self._field(entity))
        if isinstance(name, str) and name:
            self._names[(entity, name.casefold())] = record

    def load_names(self, entity: str, names: Iterable[Any]) -> None:
        """Read the masters of these names that are not known yet, in one batch."""
        wanted = [n for n in dict.fromkeys(str(n) for n in names if n not in (None, ""))
                  if (entity, n.casefold()) not in self._names]
        if not wanted:
            return
        found = self._by_keys(entity, self._field(entity), wanted)
        for name in wanted:
            hits = found.get(name) or []
            for record in hits:
                self._keep(entity, record)
            self._names.setdefault((entity, name.casefold()), hits[0] if hits else None)

    def load_ids(self, entity: str, ids: Iterable[Any]) -> None:
        wanted = [i for i in dict.fromkeys(str(i) for i in ids if i not in (None, "")) if (entity, i) not in self._ids]
        if not wanted:
            return
        found = self._by_ids(entity, wanted)
        for guid in wanted:
            record = found.get(guid)
            if record is not None:
                self._keep(entity, record)
            self._ids.setdefault((entity, guid), record)

    def named(self, entity: str, name: Any) -> Record | None:
        if name in (None, ""):
            return None
        self.load_names(entity, [name])
        return self._names.get((entity, str(name).casefold()))

    def with_id(self, entity: str, guid: Any) -> Record | None:
        if guid in (None, ""):
            return None
        self.load_ids(entity, [guid])
        return self._ids.get((entity, str(guid)))
