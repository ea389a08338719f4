"""EntityMapping: one entity's field mapping applied to records, both ways, plus canonical forms and diffs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from erpsync_gui.errors import ConfigError, MappingError
from erpsync_gui.mapping.canonical_plan import canonical_plan, common_plan, forms_by_name, value_of, values_of
from erpsync_gui.mapping.checksum import checksum_of
from erpsync_gui.mapping.compiled import map_step, text_ops
from erpsync_gui.mapping.currency import CurrencyMap, canonical_price_list, read_price_list
from erpsync_gui.mapping.diff import FieldDiff, diff_canonical
from erpsync_gui.mapping.spec import FieldMap, MappingConfigError, parse_fields
from erpsync_gui.mapping.transforms import LOSSY, apply_all
from erpsync_gui.mapping.types import (
    SCALAR_TYPES,
    ConversionError,
    canonical_scalar,
    is_empty,
    key,
    natural_scalar,
    parse_scalar,
    to_decimal,
)
from erpsync_gui.records import EntityInfo, FieldInfo, Side

if TYPE_CHECKING:
    from erpsync_gui.profile import EntityConfig

_SKIP = object()


def _auto_rule(target: FieldInfo | None) -> tuple[str, Any]:
    if target is None:
        return "null", None
    if target.default is not None:
        return "default", target.default
    if target.nullable is False:
        return "omit", None
    return "null", None
_SHOWN = 40


@runtime_checkable
class LookupResolver(Protocol):
    """Translates a record id of one side into its twin's id on the other side (from the link store)."""

    def resolve(self, entity: str, from_side: Side, source_id: str) -> str | None: ...


def shorten(value: Any) -> str:
    """A value as it appears in an error message: repr, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def singular(entity: str) -> str:
    """'clients' -> 'client', 'product_groups' -> 'product group', 'currencies' -> 'currency'."""
    words = entity.replace("_", " ")
    if words.endswith("ies"):
        return words[:-3] + "y"
    return words[:-1] if words.endswith("s") else words


def _read_lines(value: Any) -> list[Mapping[str, Any]] | None:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConversionError("is not a list of lines") from None
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(item, Mapping) for item in value):
        raise ConversionError("is not a list of lines (objects)")
    return list(value)


class EntityMapping:
    """The field mapping of one entity, with its currency mapping."""

    def __init__(self, entity: str, fields: Sequence[FieldMap],
                 currency_mapping: Mapping[str, Any] | None = None) -> None:
        self.entity = entity
        self.fields = tuple(fields)
        self.currencies = CurrencyMap(currency_mapping, entity)
        # sub-mappings of `lines` rows, by row identity
        self._lines = {id(f): EntityMapping(entity, f.fields, currency_mapping)
                       for f in self.fields if f.type == "lines"}
        # per record these would be rebuilt for every field: worked out once here
        self._flows = {side: tuple(f for f in self.fields if f.flows_to(side)) for side in Side}
        self._labels = {(id(f), side): f"field {f.name_on(side.other)!r} (-> {f.name_on(side)!r})"
                        for f in self.fields for side in Side}
        self._named = {side: tuple((f.name_on(side), f) for f in self.fields) for side in Side}
        # per field and direction: (source name, target name), transforms and value map
        self._names = {(id(f), side): (f.name_on(side.other), f.name_on(side)) for f in self.fields for side in Side}
        self._transforms = {(id(f), side): f.transforms(side) for f in self.fields for side in Side}
        self._value_maps = {(id(f), side): f.values(side) for f in self.fields for side in Side}
        # the empty-value rule per field and target side: the row's own, else "null" until bind_targets
        self._empty: dict[tuple[int, Side], tuple[str, Any]] = {
            (id(f), side): (f.empty.get(side, "null"), None) for f in self.fields for side in Side}
        # the canonical forms, common forms and per-name forms (for diffs) of each side, planned once
        self._canon = {side: canonical_plan(self, side) for side in Side}
        self._common = {side: common_plan(self, side) for side in Side}
        self._name_forms = {side: forms_by_name(self, side) for side in Side}
        self._rows: dict[str, FieldMap] = {}  # the first row of each CRM name
        for f in self.fields:
            self._rows.setdefault(f.crm, f)
        self._compile()

    def _compile(self) -> None:
        """Each direction's mapping as one step per field, chosen once (again when the empty rules change), with
        the text functions that map a text value without the step (see compiled.text_ops)."""
        self._steps = {side: tuple((*self._names[(id(f), side)], text_ops(self, f, side),
                                    map_step(self, f, side, _SKIP)) for f in self._flows[side]) for side in Side}

    @classmethod
    def from_config(cls, cfg: EntityConfig) -> EntityMapping:
        try:
            fields = parse_fields(cfg.fields)
            return cls(cfg.entity, fields, cfg.currency_mapping)
        except MappingConfigError as exc:
            raise MappingConfigError(exc.problems, entity=cfg.entity) from None
        except ConfigError as exc:
            raise ConfigError(f"entity {cfg.entity}: {exc.message}", hint=exc.hint) from None

    @property
    def fingerprint(self) -> str:
        """A digest of the rows and the currency mapping: it changes when what a record maps to changes."""
        # the merge rule decides conflicts only; what a record maps to stays the same
        return checksum_of({"fields": [{k: v for k, v in f.to_row().items() if k != "merge"} for f in self.fields],
                            "currencies": dict(self.currencies.to_crm_ids)})

    def field_names(self, side: Side) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.name_on(side) for f in self.fields))

    # -- mapping -------------------------------------------------------------------------------

    def map_record(self, data: Mapping[str, Any], *, to: Side,
                   resolver: LookupResolver | None = None) -> dict[str, Any]:
        """The payload for `to`, in its field names, from a record of the other side. A field absent from
        `data` is empty: its default, or the empty-value rule, applies."""
        out: dict[str, Any] = {}
        get = data.get
        for source, target, ops, step in self._steps[to]:
            if ops is not None:
                value = get(source)
                if type(value) is str:
                    for op in ops:
                        value = op(value)
                    if value:  # an empty result is the step's to judge (required, empty-value rule)
                        out[target] = value
                        continue
            step(data, out, resolver)
        return out

    def _map_field(self, f: FieldMap, data: Mapping[str, Any], to: Side,
                   resolver: LookupResolver | None) -> Any:
        source_name = self._names[(id(f), to)][0]
        label = self._labels[(id(f), to)]
        raw = data.get(source_name)
        try:
            typed = self._read(f, raw, Side.ERP if to is Side.CRM else Side.CRM)
            # a field the source leaves out is empty, as its canonical form (and checksum) says
            if typed is None and f.default is not None:
                if to is Side.CRM:
                    return self._crm_default(f)
                typed = self._read(f, f.default, Side.CRM)
            result = self._convert(f, typed, to, resolver, label)
        except ConversionError as exc:
            raise MappingError(f"{label}: value {shorten(raw)} {exc}", field=source_name) from None
        except MappingError as exc:
            if exc.field is not None:
                raise
            raise type(exc)(f"{label}: {exc.message}", field=source_name, hint=exc.hint) from None
        if f.required and is_empty(result):
            raise MappingError(f"{label} is required but the value is empty ({shorten(raw)})",
                               field=source_name)
        if result is None or result == "":
            rule, fallback = self._empty[(id(f), to)]
            if rule == "omit" or (rule == "default" and fallback is None):
                return _SKIP
            if rule == "default":
                return fallback
        return result

    # -- empty values ----------------------------------------------------------------------------

    def bind_targets(self, described: Mapping[Side, EntityInfo | None]) -> None:
        """Decide the empty-value rule of every row and target side the row leaves open, from the target
        field as its system describes it: a field with a default gets the default, a field that takes no
        empty value is left as it is (omitted), any other is sent empty (null). Creates and updates follow
        the same rule, so a record that was created can always take the next edit."""
        for side in Side:
            info = described.get(side)
            fields = {fi.name: fi for fi in info.fields} if info is not None else {}
            for f in self.fields:
                if side not in f.empty:
                    self._empty[(id(f), side)] = _auto_rule(fields.get(f.name_on(side)))
                elif f.empty[side] == "default":
                    target = fields.get(f.name_on(side))
                    self._empty[(id(f), side)] = ("default", target.default if target is not None else None)
        for sub in self._lines.values():
            sub.bind_targets({})
        self._compile()

    def empty_rule(self, f: FieldMap, to: Side) -> tuple[str, Any]:
        """(rule, default value) that applies when `f` maps to an empty value on the way to `to`."""
        return self._empty[(id(f), to)]

    def _read(self, f: FieldMap, raw: Any, side: Side) -> Any:
        """The source value as the row's type; None when empty."""
        if f.type in SCALAR_TYPES:
            return parse_scalar(f.type, raw)
        if f.type == "price":
            if side is Side.ERP:
                return self.currencies.pick_price(read_price_list(raw), f.currency or "")
            return to_decimal(raw)
        return _read_lines(raw)

    def _crm_default(self, f: FieldMap) -> Any:
        # defaults are written in CRM terms, so on the way to the CRM they are the result itself
        if f.type in ("picklist", "lookup", "currency", "lines"):
            return f.default
        if f.type == "price":
            return to_decimal(f.default)
        return parse_scalar(f.type, f.default)

    def _convert(self, f: FieldMap, typed: Any, to: Side, resolver: LookupResolver | None,
                 label: str) -> Any:
        if f.type == "lookup":
            return None if typed is None else self._resolve(f, typed, to, resolver)
        if f.type == "currency":
            if typed is None:
                return None
            if to is Side.CRM:
                return self.currencies.to_crm(typed)
            return natural_scalar(self.currencies.to_erp(typed))
        if f.type == "price":
            price = apply_all(self._transforms[(id(f), to)], typed)
            if price is None or to is Side.CRM:
                return price
            return self.currencies.price_entries(price, f.currency or "")
        if f.type == "lines":
            return None if typed is None else self._map_lines(f, typed, to, resolver, label)
        transforms = self._transforms[(id(f), to)]
        value = apply_all(transforms, typed)
        if transforms and f.type != "picklist":  # without transforms `typed` is already of the type
            value = parse_scalar(f.type, value)
        return self._value_map(f, value, to)

    def _value_map(self, f: FieldMap, value: Any, to: Side) -> Any:
        values = self._value_maps[(id(f), to)]
        if not values or value is None:
            return value
        found = key(value)
        if found in values:
            mapped = values[found]
            return mapped if f.type == "picklist" else parse_scalar(f.type, mapped)
        if f.type != "picklist":
            return value
        if f.default is not None:
            if to is Side.CRM:
                return f.default
            if key(f.default) in values:
                return values[key(f.default)]
        known = ", ".join(map(repr, list(values)[:12]))
        raise MappingError(f"value {shorten(value)} is not in the value map", hint=f"known values: {known}")

    def _resolve(self, f: FieldMap, source_id: str, to: Side, resolver: LookupResolver | None) -> Any:
        if resolver is None:
            raise MappingError(f"cannot translate {singular(f.lookup or '')} {source_id}: no lookup resolver")
        target = resolver.resolve(f.lookup or "", to.other, source_id)
        if target is None:
            raise MappingError(f"{singular(f.lookup or '')} {source_id} is not synced yet",
                               hint=f"sync {f.lookup} first")
        return natural_scalar(str(target))

    def _map_lines(self, f: FieldMap, items: list[Mapping[str, Any]], to: Side,
                   resolver: LookupResolver | None, label: str) -> list[dict[str, Any]]:
        sub = self._lines[id(f)]
        out = []
        for number, item in enumerate(items, start=1):
            try:
                out.append(sub.map_record(item, to=to, resolver=resolver))
            except MappingError as exc:
                raise type(exc)(f"{label}: line {number}: {exc.message}",
                                field=f"{f.name_on(to.other)}[{number}].{exc.field}", hint=exc.hint) from None
        return out

    # -- canonical forms ----------------------------------------------------------------------

    def canonical(self, side: Side, data: Mapping[str, Any]) -> dict[str, Any]:
        """Every mapped field of `side` in canonical JSON-safe form; never raises."""
        return values_of(self._canon[side], data)

    def checksum(self, side: Side, data: Mapping[str, Any]) -> str:
        return checksum_of(self.canonical(side, data))

    def _canonical_field(self, f: FieldMap, side: Side, value: Any) -> Any:
        # broad on purpose: a value we cannot read still has to give a stable checksum
        try:
            if f.type in SCALAR_TYPES:
                return canonical_scalar(f.type, value)
            if f.type == "price":
                return self._canonical_price(f, side, value)
            items = _read_lines(value) or []
            sub = self._lines[id(f)]
            return [sub.canonical(side, item) for item in items]
        except Exception:
            return str(value)

    def _canonical_price(self, f: FieldMap, side: Side, value: Any) -> Any:
        if side is Side.CRM:
            return canonical_scalar("number", value)
        entries = read_price_list(value)
        try:
            price = self.currencies.pick_price(entries, f.currency or "")
        except MappingError:
            return canonical_price_list(entries)
        return canonical_scalar("number", price)

    def to_common(self, side: Side, data: Mapping[str, Any]) -> dict[str, Any]:
        """A record's canonical values under the CRM field names, translated into CRM terms where the
        mapping can say so without the link store (value maps, currencies); lookups keep their ids."""
        return values_of(self._common[side], data)

    def _common_field(self, f: FieldMap, side: Side, value: Any) -> Any:
        if side is Side.CRM:
            return self._canonical_field(f, side, value)
        try:
            if f.type == "lines":
                sub = self._lines[id(f)]
                return [sub.to_common(side, item) for item in _read_lines(value) or []]
            if f.type == "currency":
                erp_id = parse_scalar("currency", value)
                return None if erp_id is None else str(self.currencies.to_crm(erp_id))
            values = self._value_maps[(id(f), Side.CRM)]
            if f.type in SCALAR_TYPES and values and key(value) in values:
                return canonical_scalar(f.type, values[key(value)])
        except Exception:
            pass
        return self._canonical_field(f, side, value)

    # -- keys and diffs -----------------------------------------------------------------------

    def row(self, crm_name: str) -> FieldMap:
        """The row of a CRM field name; ConfigError when the mapping has none."""
        found = self._rows.get(crm_name)
        if found is None:
            raise ConfigError(f"{crm_name!r} is not a mapped CRM field of {self.entity}")
        return found

    def key_form(self, crm_name: str, side: Side, data: Mapping[str, Any], of: Side,
                 resolver: LookupResolver | None = None) -> Any:
        """The key field of a record of side `of`, in `side`'s canonical form: as it is when `of` is `side`,
        else mapped over. Keys of the two sides are compared in this one form."""
        f = self.row(crm_name)
        try:
            value = data.get(f.name_on(side)) if of is side else self._map_field(f, data, side, resolver)
        except MappingError:
            return None
        return None if value is _SKIP else self._canonical_field(f, side, value)

    def lossy_toward(self, crm_name: str, side: Side) -> bool:
        """True when mapping the field toward `side` loses what the value was (digits_only, truncate, a
        value map sending two values to one): such a key is compared in `side`'s form only."""
        f = self.row(crm_name)
        if any(t.name in LOSSY for t in self._transforms[(id(f), side)]):
            return True
        values = self._value_maps[(id(f), side)]
        return len({key(v) for v in values.values()}) < len(values)

    def key_pairs(self, match_keys: Sequence[str]) -> list[tuple[str, str]]:
        """(crm field, erp field) of each match key, in order."""
        pairs = []
        for name in match_keys:
            row = next((f for f in self.fields if f.crm == name), None)
            if row is None:
                raise ConfigError(
                    f"match key {name!r} of entity {self.entity} is not a mapped CRM field",
                    hint=f"mapped CRM fields: {', '.join(self.field_names(Side.CRM)) or 'none'}",
                )
            pairs.append((row.crm, row.erp))
        return pairs

    def diff(self, side: Side, payload: Mapping[str, Any],
             current: Mapping[str, Any] | None) -> list[FieldDiff]:
        """The fields of `payload` (in `side`'s names) that would change `current`, compared canonically."""
        forms = self._name_forms[side]
        after = {name: value_of(forms.get(name), value) for name, value in payload.items()}
        if current is None:
            return diff_canonical(after, None)
        before = {name: value_of(forms.get(name), current.get(name)) for name in payload}
        return diff_canonical(after, before)
