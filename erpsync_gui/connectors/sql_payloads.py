"""A create batch's payloads checked against the table the way `sql_writing.prepare` does, with the per-name work
done once per table and set of payload names instead of once per value.

A plan knows for each payload name whether it is a plain text column (a text value or NULL is stored as it is),
a column whose value goes through the generic conversion (reference codes, numbers, dates, the 4-byte check), or
a name the preset's rules write themselves. A converted value is worked out once per batch for each distinct text
or whole-number value (a country code, a currency id repeat across a page): the conversion depends on nothing
else, and what it gives is immutable. A payload the plan cannot take as it is (another set of names, child lines,
a value that is not text in a text column) goes through `prepare` itself: the outcome, an error included, is
always the one `prepare` gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column

from erpsync_gui.connectors.sql_schema import EntityTable, field_type, to_db
from erpsync_gui.connectors.sql_writing import PreparedRow, Shaping, column_value, prepare
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Origin
from erpsync_gui.sql_bulk import picker

_TEXT_OR_NULL = frozenset({str, type(None)})
#: value types whose conversion is kept for the batch: hashed and compared by value with no two of them equal
#: and different (a float is not: 0.0 and -0.0 are equal and store differently)
_KEPT = frozenset({str, int, bool})
#: plans kept per entity before they are worked out anew (a mapping gives one or two sets of names)
_PLANS_MAX = 64
_MISSING = object()


@dataclass(frozen=True)
class _Plan:
    """How payloads with exactly `names`, in this order, become column values."""

    #: the values of the payload names that go to a column, and those columns' names, in payload order
    values_of: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    columns: tuple[str, ...]
    #: the values of plain text columns (text or NULL is stored as it is); None when there are none
    texts_of: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None
    #: (column name, column) of the values that go through the generic conversion, in payload order
    converted: tuple[tuple[str, Column], ...]
    #: names the preset's rules write themselves
    extras: tuple[str, ...]


class PayloadPlans:
    """The payloads of one create batch of `et` prepared for writing (as `prepare(creating=True)` would)."""

    def __init__(self, et: EntityTable, shape: Shaping, channel: str, plans: dict[tuple[str, ...], _Plan | None]):
        self._et = et
        self._shape = shape
        self._channel = channel
        self._plans = plans
        #: (column name, value type, value) -> the value to store, for this batch
        self._kept: dict[tuple[str, type, Any], Any] = {}
        marker = et.marker
        self._marker = marker
        #: the marker's id column stores a text id as it is
        self._id_as_is = marker is not None and field_type(marker[0]) == "text"
        self._channels: dict[str, Any] = {}

    def row(self, payload: Mapping[str, Any], origin: Origin | None) -> PreparedRow:
        """The prepared row of one payload; ConfigError for an unknown name, PermanentError for a value that
        cannot be stored, exactly as `prepare` raises them."""
        names = tuple(payload)
        try:
            plan = self._plans[names]
        except KeyError:
            plan = self._compile(names)
        if plan is None or (plan.texts_of is not None and not set(map(type, plan.texts_of(payload))) <= _TEXT_OR_NULL):
            return prepare(self._et, payload, creating=True, origin=origin, channel=self._channel, shape=self._shape)
        values = dict(zip(plan.columns, plan.values_of(payload)))  # noqa: B905  (as long by construction)
        if plan.converted:
            self._converted(plan.converted, values)
        if origin is not None and self._marker is not None:
            id_col, channel_col = self._marker
            source_id = origin.source_id
            values[id_col.name] = (source_id if self._id_as_is and type(source_id) is str
                                   else to_db(id_col, source_id, self._et.tz))
            channel = origin.channel or self._channel
            stored = self._channels.get(channel, _MISSING)
            if stored is _MISSING:
                stored = self._channels[channel] = to_db(channel_col, channel, self._et.tz)
            values[channel_col.name] = stored
        if plan.extras:
            return PreparedRow(values, extras={name: payload[name] for name in plan.extras})
        return PreparedRow(values)

    def _converted(self, columns: tuple[tuple[str, Column], ...], values: dict[str, Any]) -> None:
        """Replace the payload values of `columns` in `values` by what those columns store."""
        kept = self._kept
        for name, column in columns:
            value = values[name]
            kind = type(value)
            if kind in _KEPT:
                key = (name, kind, value)
                stored = kept.get(key, _MISSING)
                if stored is _MISSING:
                    stored = kept[key] = self._convert(column, value)
            else:
                stored = self._convert(column, value)
            values[name] = stored

    def _convert(self, column: Column, value: Any) -> Any:
        return column_value(self._et, column, value, self._shape, self._et.narrow)

    def _compile(self, names: tuple[str, ...]) -> _Plan | None:
        """The plan for payloads with `names`; None where `prepare` must see each one (child lines, a name
        the table does not have: its error is `prepare`'s)."""
        et, shape = self._et, self._shape
        value_names: list[str] = []
        columns: list[str] = []
        texts: list[str] = []
        converted: list[tuple[str, Column]] = []
        extras: list[str] = []
        plan: _Plan | None = None
        try:
            for key in names:
                if key in shape.virtual:
                    if et.child(key) is not None:
                        raise LookupError
                    extras.append(key)
                    continue
                name = et.plain_text.get(key)
                if name is not None:
                    texts.append(key)
                elif et.child(key) is not None:
                    raise LookupError
                else:
                    column = et.column(key)
                    name = column.name
                    converted.append((name, column))
                value_names.append(key)
                columns.append(name)
            if len(set(columns)) == len(columns):  # two names of one column: `prepare` keeps the last one's value
                plan = _Plan(picker(value_names), tuple(columns), picker(texts) if texts else None,
                             tuple(converted), tuple(extras))
        except (LookupError, ConfigError):
            pass
        if len(self._plans) >= _PLANS_MAX:
            self._plans.clear()
        self._plans[names] = plan
        return plan
