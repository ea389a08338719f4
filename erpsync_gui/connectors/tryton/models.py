"""Reading and writing Tryton models over the client: paged `search_read`, rows by id, the `_timestamp`
versions, and the small look-ups the entities share (countries, currencies, units, the company).

Reads pass `active_test: False`, so inactive records are seen too (the connector reports them as
deleted) and a read by id finds a record whatever its state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.tryton.client import TrytonClient
from erpsync_gui.errors import MappingError, PermanentError

Row = dict[str, Any]
Domain = list[Any]
#: ids per `in` domain or `read` call
ID_CHUNK = 500
ALL = {"active_test": False}


def stamp(row: Mapping[str, Any]) -> datetime | None:
    """When the record last changed as Tryton reports it: write_date, or create_date while write_date is
    empty (Tryton's own COALESCE(write_date, create_date))."""
    value = row.get("write_date") or row.get("create_date")
    return value if isinstance(value, datetime) else None


def versions(model: str, rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """`_timestamp` context entries ("<model>,<id>" -> timestamp) of rows read with `_timestamp`."""
    return {f"{model},{r['id']}": str(r["_timestamp"]) for r in rows
            if isinstance(r.get("id"), int) and r.get("_timestamp") is not None}


def format_version(entries: Mapping[str, str]) -> str | None:
    """A record's version: the `_timestamp` of each Tryton record it is made of, in one string."""
    return ";".join(f"{key}={value}" for key, value in sorted(entries.items())) or None


def parse_version(version: str | None) -> dict[str, str]:
    """The `_timestamp` context of a version written by `format_version`; PermanentError when unreadable."""
    if not version:
        return {}
    entries: dict[str, str] = {}
    for part in version.split(";"):
        key, sep, value = part.partition("=")
        model, comma, rid = key.partition(",")
        if not sep or not comma or not model or not rid.isdigit() or not value:
            raise PermanentError(f"the version {version!r} is not a Tryton record version",
                                 hint="read the record again to get its current version")
        entries[key] = value
    return entries


def record_id(value: Any) -> int:
    """A Tryton id from a product id string; MappingError when it is not a positive integer."""
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1 or len(text) > 18:
        raise MappingError(f"{value!r} is not a Tryton record id")
    return int(text)


class Models:
    """Model calls with the connector's page size and the shared look-ups, cached for the connector's life."""

    def __init__(self, client: TrytonClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size
        self._codes: dict[tuple[str, str], dict[str, int]] = {}
        self._company: Row | None = None

    def search_read(self, model: str, domain: Domain, fields: Sequence[str], *, offset: int = 0,
                    limit: int | None = None, order: Sequence[Sequence[str]] | None = None,
                    context: Mapping[str, Any] | None = None, what: str | None = None) -> list[Row]:
        rows = self.client.model(model, "search_read", domain, offset, limit,
                                 [list(o) for o in order] if order else None, list(fields),
                                 context={**ALL, **(context or {})}, what=what or f"the read of {model}")
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("id"), int)
                                                 for r in rows):
            raise PermanentError(f"malformed reply from Tryton for {what or model} at "
                                 f"{self.client.path} (search_read on {model})")
        return rows

    def by_ids(self, model: str, ids: Iterable[int], fields: Sequence[str],
               context: Mapping[str, Any] | None = None) -> dict[int, Row]:
        """Rows of the given ids that exist (a missing id is simply absent, unlike Tryton's `read`)."""
        found: dict[int, Row] = {}
        for chunk in chunked(dict.fromkeys(ids), ID_CHUNK):
            for row in self.search_read(model, [("id", "in", chunk)], fields, context=context):
                found[row["id"]] = row
        return found

    def all_pages(self, model: str, domain: Domain, fields: Sequence[str],
                  context: Mapping[str, Any] | None = None) -> Iterator[list[Row]]:
        """Every matching row, page by page, by id keyset (stable while records are added)."""
        last = 0
        while True:
            rows = self.search_read(model, [*domain, ("id", ">", last)], fields, limit=self.page_size,
                                    order=[("id", "ASC")], context=context)
            if rows:
                yield rows
            if len(rows) < self.page_size:
                return
            last = rows[-1]["id"]

    def create(self, model: str, values: Sequence[Mapping[str, Any]], what: str) -> list[int]:
        ids = self.client.model(model, "create", [dict(v) for v in values], what=what)
        if not isinstance(ids, list) or len(ids) != len(values) or not all(isinstance(i, int) for i in ids):
            raise PermanentError(f"malformed reply from Tryton for {what} at {self.client.path} (create on {model})")
        return ids

    def write(self, model: str, ids: Sequence[int], values: Mapping[str, Any], what: str,
              timestamps: Mapping[str, str] | None = None) -> None:
        context = {"_timestamp": dict(timestamps)} if timestamps else None
        self.client.model(model, "write", list(ids), dict(values), context=context, what=what)

    def call(self, model: str, method: str, ids: Sequence[int], what: str) -> Any:
        return self.client.model(model, method, list(ids), what=what)

    # -- look-ups -----------------------------------------------------------------------------------

    def code_ids(self, model: str, field: str, codes: Iterable[str], *, fold: bool = True) -> dict[str, int]:
        """{code: id} of records of `model` whose `field` is one of `codes`, cached. With `fold` codes are
        compared in upper case, as ISO codes are written either way; unit symbols are not folded (m, M)."""
        def norm(code: str) -> str:
            return code.strip().upper() if fold else code.strip()

        cache = self._codes.setdefault((model, field), {})
        asked = [norm(c) for c in codes if c and c.strip()]
        wanted = set(asked) - set(cache)
        if wanted:
            variants = wanted | {w.lower() for w in wanted} if fold else wanted
            for row in self.search_read(model, [(field, "in", sorted(variants))], ["id", field]):
                if isinstance(row.get(field), str):
                    cache.setdefault(norm(row[field]), row["id"])
        return {c: cache[c] for c in asked if c in cache}

    def code_id(self, model: str, field: str, code: str, what: str, *, fold: bool = True) -> int:
        """The id of the record with this code; MappingError naming `what` when Tryton has none."""
        found = self.code_ids(model, field, [code], fold=fold).get(code.strip().upper() if fold else code.strip())
        if found is None:
            raise MappingError(f"Tryton has no {what} {code!r}", field=what)
        return found

    def company(self) -> Row:
        """The company the session works in: id, name and currency."""
        if self._company is None:
            context = self.client.context()
            company_id = context.get("company")
            if not isinstance(company_id, int):
                raise PermanentError("the Tryton user has no company",
                                     hint="set the user's company in Tryton or options.company")
            rows = self.by_ids("company.company", [company_id], ["id", "rec_name", "currency", "currency.code"])
            if company_id not in rows:
                raise PermanentError(f"the Tryton company {company_id} does not exist or is not the user's")
            self._company = rows[company_id]
        return self._company

    def company_currency(self) -> str | None:
        currency = self.company().get("currency.")
        return currency.get("code") if isinstance(currency, dict) else None
