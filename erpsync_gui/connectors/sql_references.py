"""Reference columns: an id of a lookup-table row read as its code and written from its code.

Perfex keeps a client's country as a tblcountries id; the ERP speaks ISO codes. The connector shows
such a column by the code (`present`) and turns a code back into the id (`to_id`), from the lookup table
read once per connector. A stored id the table does not know is shown as it is: a read never fails, and
the other side refuses a value that is not a code, per record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from erpsync_gui.connectors.sql_engine import translate_errors
from erpsync_gui.connectors.sql_presets import Reference
from erpsync_gui.connectors.sql_schema import SchemaCatalog, find_column
from erpsync_gui.errors import PermanentError

_UNSET = object()


class ReferenceCache:
    """The code <-> id pairs of each lookup table, read on first use (thread-safe)."""

    def __init__(self, engine: Engine, catalog: SchemaCatalog) -> None:
        self._engine = engine
        self._catalog = catalog
        self._codes: dict[tuple[str, str, str], tuple[dict[str, str], dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _pairs(self, ref: Reference) -> tuple[dict[str, str], dict[str, Any]]:
        """(code by id text, id by upper-case code) of the reference's table."""
        key = (ref.table, ref.id, ref.code)
        with self._lock:
            found = self._codes.get(key)
        if found is not None:
            return found
        table = self._catalog.table(ref.table)
        id_col, code_col = find_column(table, ref.id), find_column(table, ref.code)
        with translate_errors(f"reading {table.name}"), self._engine.connect() as conn:
            rows = conn.execute(select(id_col, code_col).order_by(id_col)).all()
        by_id: dict[str, str] = {}
        by_code: dict[str, Any] = {}
        for row_id, code in rows:
            if code in (None, ""):
                continue
            by_id[str(row_id)] = str(code)
            by_code.setdefault(str(code).strip().upper(), row_id)
        with self._lock:
            self._codes[key] = (by_id, by_code)
        return by_id, by_code

    def present(self, references: Mapping[str, Reference], data: dict[str, Any]) -> None:
        """Replace each reference column's stored id in `data` by its code (None for the "none" value)."""
        for name, ref in references.items():
            if name not in data:
                continue
            value = data[name]
            if value is None or value == "" or str(value) == str(ref.none):
                data[name] = None
                continue
            data[name] = self._pairs(ref)[0].get(str(value), value)

    def present_all(self, references: Mapping[str, Reference], datas: Iterable[dict[str, Any]]) -> None:
        """`present` for many rows: each distinct stored id of a column is looked up once."""
        datas = list(datas)
        for name, ref in references.items():
            none = str(ref.none)
            shown: dict[tuple[type, Any], Any] = {}
            for data in datas:
                if name not in data:
                    continue
                value = data[name]
                if value is None:
                    continue  # shown as None, as it is
                kind = type(value)
                # only text and whole numbers: other values may be equal and show differently (1.0 and 1)
                key = (kind, value) if kind is int or kind is str else None
                code = shown.get(key, _UNSET) if key is not None else _UNSET
                if code is _UNSET:
                    code = (None if value == "" or str(value) == none
                            else self._pairs(ref)[0].get(str(value), value))
                    if key is not None:
                        shown[key] = code
                data[name] = code

    def to_id(self, name: str, ref: Reference, value: Any) -> Any:
        """The id to store for a code (case-insensitive); the "none" value for an empty one; PermanentError
        naming the column and the table for a code the table does not hold."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return ref.none
        by_id, by_code = self._pairs(ref)
        if isinstance(value, int) and not isinstance(value, bool) and (str(value) in by_id or value == ref.none):
            return value  # already an id of the table
        found = by_code.get(str(value).strip().upper())
        if found is None:
            raise PermanentError(f"{name}: the value is not a {ref.code} code of {ref.table}",
                                 hint=f"use a code listed in {ref.table}.{ref.code}")
        return found

    def clear(self) -> None:
        with self._lock:
            self._codes.clear()
