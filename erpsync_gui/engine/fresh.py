"""A first import into an empty target: twin lookups that cannot find anything are left out.

When a side's read begins while the entity has no links and the target holds no record, every record the target
holds later in the run was written by this run and linked in the same batch. An unlinked source record then has
no twin to find, unless it is one this run met before, carries our origin marker, or shares a natural key value
with a record this run already wrote or linked: those few take the full look, the rest skip the link, origin
and key lookups that would come back empty for each batch. (A record a person adds to the target during the
first import is not looked for; the next run, with links, compares as usual.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine.types import PlanItem
from erpsync_gui.records import Record, Side

#: how a text Decimal() reads as a number may begin in ASCII (after the spaces are gone, casefolded)
_NUMBER_START = frozenset("+-.0123456789_ \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_NUMBER_WORDS = ("inf", "nan", "snan")


def _loose(value: object) -> object:
    """A key value in a form at least as forgiving as any comparison the matcher makes (case, spaces,
    number spelling): two values the matcher would call equal never differ here."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except InvalidOperation:
            return str(value)
    text = "".join(str(value).split()).casefold()
    if not text or (text[0].isascii() and text[0] not in _NUMBER_START and not text.startswith(_NUMBER_WORDS)):
        return text or None  # cannot be a number (Decimal also reads other scripts' digits): spares the exception
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


_UNSEEN = object()


@dataclass
class FreshTarget:
    """What this run has written into or linked in a target that was empty when the read began."""

    #: the target's field of each natural key (the payload is in the target's names)
    key_fields: tuple[str, ...]
    source_ids: set[str] = field(default_factory=set)
    key_values: set[tuple[str, object]] = field(default_factory=set)
    #: the batch's text key values in their loose form: a twin's look and `remember` need each of them
    _loose_texts: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def met_before(self, records: Iterable[Record]) -> list[str]:
        """The ids of `records` this run met before (only they may have a link)."""
        seen = self.source_ids
        return [record_id for record in records if (record_id := record.id) in seen] if seen else []

    def may_have_twin(self, source_id: str, payload: dict | None) -> bool:
        if source_id in self.source_ids:
            return True
        if not payload:
            return False
        return not self.key_values.isdisjoint(self._keys_of(payload))

    def remember(self, items: Iterable[PlanItem]) -> None:
        """The batch's records: met once, each later appearance takes the full look."""
        for item in items:
            self.source_ids.add(item.source.id)
            if item.payload:
                self.key_values.update(self._keys_of(item.payload))
        self._loose_texts.clear()  # one batch's: a later batch has other values

    def _keys_of(self, payload: Mapping[str, object]) -> list[tuple[str, object]]:
        """(field, loose value) of each key field with a value in `payload`; a text's loose form is worked out
        once per batch (`_loose` gives the same for the same text)."""
        texts = self._loose_texts
        out = []
        for name in self.key_fields:
            value = payload.get(name)
            if type(value) is str:
                loose = texts.get(value, _UNSEEN)
                if loose is _UNSEEN:
                    loose = texts[value] = _loose(value)
            else:
                loose = _loose(value)
            if loose not in (None, ""):
                out.append((name, loose))
        return out


def target_is_empty(connector: Connector, entity: str) -> bool:
    """True when the target's own feed, read from the start, yields no record in its first pages."""
    pages = connector.changes(entity, None, 1)
    try:
        for number, page in enumerate(pages):
            if page.records:
                return False
            if page.complete or number >= 2:
                return bool(page.complete)
        return True
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()


def fresh_target(connector: Connector, entity: str, key_fields: Sequence[tuple[str, str]], target: Side,
                 has_links: bool) -> FreshTarget | None:
    """A FreshTarget when the entity has no links and the target is empty, else None (the full look)."""
    if has_links or not target_is_empty(connector, entity):
        return None
    index = 0 if target is Side.CRM else 1
    return FreshTarget(tuple(pair[index] for pair in key_fields))
