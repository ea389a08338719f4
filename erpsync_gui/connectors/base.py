"""The Connector protocol: what the engine needs from any external system.

A connector knows one system and nothing of the engine's policy. Every method raises only the
classes of `erpsync_gui.errors` (RetryableError, PermanentError, AuthError, ConfigError ...).
Record ids are always strings, whatever the system uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from erpsync_gui.errors import AuthError, CircuitOpenError, ConfigError, ERPSyncError, QuotaExhaustedError
from erpsync_gui.records import (
    BatchItemResult,
    Capabilities,
    EntityInfo,
    Origin,
    Page,
    Record,
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a connection test."""

    ok: bool
    reachable: bool
    authenticated: bool
    latency_ms: float | None
    message: str
    #: what the system calls itself (server version, company name) when it says
    server: str | None = None
    #: the system's own clock at the test, where it reports it (HTTP Date header, SELECT NOW()): the
    #: endpoint's clock offset is measured from it
    server_time: datetime | None = None
    #: further findings, one line each (tables missing, columns the mapping needs that are absent ...)
    details: tuple[str, ...] = ()


@runtime_checkable
class Connector(Protocol):
    """One side of a profile."""

    #: connector kind, as stored in the endpoint settings ("rest", "sql", ...)
    kind: str

    def capabilities(self, entity: str) -> Capabilities: ...

    def describe(self, entity: str) -> EntityInfo:
        """Fields and abilities of one entity (reflected or documented)."""
        ...

    def entities(self) -> Sequence[str]:
        """Names of the entities this system offers, in the product's vocabulary."""
        ...

    def check(self) -> CheckResult:
        """Reachable? Authenticated? How fast? Never raises."""
        ...

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Pages of records changed since `cursor` (all records when cursor is None or the
        system has no cursor). Each page carries the cursor to store once it is committed."""
        ...

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        """Current state of the given records; ids that do not exist are simply absent."""
        ...

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        """Records whose `field` equals one of `values`, grouped by str(value)."""
        ...

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        """Records we created, found by the origin marker we stamped on them, keyed by source id.
        Connectors without `origin_marker` return {}."""
        ...

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        """The origin marker a record carries (we stamped it when we created it from its twin), or None.
        Connectors without `origin_marker` return None."""
        ...

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        """Create one record; returns it as the target now holds it (with its new id).
        A timeout or dropped connection after sending raises OutcomeUnknownError."""
        ...

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        """Create several records; one result per payload, in order. A failing item does not fail
        the others. Connectors without native batches loop over `create`."""
        ...

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        """Update the given fields of one record. `version` is the concurrency token read with the
        record; a stale one raises StaleVersionError."""
        ...

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        """Delete one record (capability `delete`); a record already gone is not an error. Systems that
        cannot delete raise PermanentError."""
        ...

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        """Make one record inactive but keep it (capability `archive`); returns it as now stored."""
        ...

    def close(self) -> None: ...


def create_each(connector: Connector, entity: str, payloads: Sequence[Mapping[str, Any]],
                origins: Sequence[Origin | None] | None, txn_id: str | None) -> list[BatchItemResult]:
    """`create_many` for systems without native batches: one create after another, each failure kept
    with its item so the rest of the batch goes on."""
    results: list[BatchItemResult] = []
    for i, payload in enumerate(payloads):
        origin = origins[i] if origins else None
        try:
            record = connector.create(entity, payload, origin=origin, txn_id=txn_id)
        except (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError):
            raise  # the whole run stops: every other item would fail the same way
        except ERPSyncError as exc:
            results.append(BatchItemResult(index=i, error=exc))
        else:
            results.append(BatchItemResult(index=i, record=record))
    return results


def origin_from(channel: Any, source_id: Any) -> Origin | None:
    """An Origin from a record's two marker values, when both are there."""
    if channel in (None, "") or source_id in (None, ""):
        return None
    return Origin(str(channel), str(source_id))


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Split an iterable into lists of at most `size` items."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
