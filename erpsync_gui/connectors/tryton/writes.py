"""Creates, updates, archives and deletes on Tryton, entity by entity.

`create_many` sends one `create` with every record's values; Tryton's `create` is all or nothing, so when
it refuses the batch (a UserError), each record is sent again alone and only the bad ones fail. Tryton
answers a create with ids only: the records are read back for the result. An update or delete carries
the record's version as Tryton's `_timestamp` context; a record changed since is a StaleVersionError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from erpsync_gui.connectors.tryton.entity import Entity
from erpsync_gui.connectors.tryton.models import Models, parse_version, record_id
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ERPSyncError,
    MappingError,
    NotFoundError,
    PermanentError,
    QuotaExhaustedError,
    StaleVersionError,
)
from erpsync_gui.records import BatchItemResult, Record

T = TypeVar("T")
#: failures that stop the whole run: every other record would meet them too
FATAL = (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError)


class Writer:
    def __init__(self, models: Models) -> None:
        self.models = models

    def create_many(self, entity: Entity, payloads: Sequence[Mapping[str, Any]]) -> list[BatchItemResult]:
        errors: dict[int, Exception] = {}
        values: dict[int, dict[str, Any]] = {}
        for i, payload in enumerate(payloads):
            try:
                values[i] = _values(entity, partial(entity.create_values, payload))
            except FATAL:
                raise
            except ERPSyncError as exc:
                errors[i] = exc
        ids = self._create(entity, values, errors)
        for i, rid in list(ids.items()):
            try:
                entity.after_create(rid, payloads[i])
            except FATAL:
                raise
            except ERPSyncError as exc:
                errors[i] = exc
                del ids[i]
        records = entity.records(ids.values()) if ids else {}
        results: list[BatchItemResult] = []
        for i in range(len(payloads)):
            record = records.get(str(ids[i])) if i in ids else None
            if i in ids and record is None:
                errors[i] = PermanentError(f"{entity.name} {ids[i]} was created in Tryton but cannot be read back",
                                           hint="check the Tryton user's read access")
            results.append(BatchItemResult(i, record=record, error=errors.get(i)))
        return results

    def _create(self, entity: Entity, values: Mapping[int, dict[str, Any]],
                errors: dict[int, Exception]) -> dict[int, int]:
        order = list(values)
        if not order:
            return {}
        try:
            return dict(zip(order, entity.create_ids([values[i] for i in order]), strict=True))
        except FATAL:
            raise
        except PermanentError as exc:
            if len(order) == 1:
                errors[order[0]] = exc
                return {}
        except ERPSyncError as exc:  # not sent, or no answer: each record shares the outcome
            for i in order:
                errors[i] = exc
            return {}
        ids: dict[int, int] = {}
        for i in order:  # one bad record refused the batch: find it, keep its neighbours
            try:
                ids[i] = entity.create_ids([values[i]])[0]
            except FATAL:
                raise
            except ERPSyncError as exc:
                errors[i] = exc
        return ids

    def update(self, entity: Entity, record_id_text: str, payload: Mapping[str, Any],
               version: str | None) -> Record:
        rid = _existing_id(entity, record_id_text)
        row = entity.rows([rid]).get(rid)
        if row is None:
            raise NotFoundError(f"{entity.name} {rid} does not exist in Tryton")
        try:
            _values(entity, partial(entity.update, row, payload, parse_version(version) or None))
        except StaleVersionError as exc:
            raise _stale(entity, rid, version, exc) from exc
        return self._read_back(entity, rid)

    def archive(self, entity: Entity, record_id_text: str, version: str | None) -> Record:
        rid = _existing_id(entity, record_id_text)
        if not entity.rows([rid]):
            raise NotFoundError(f"{entity.name} {rid} does not exist in Tryton")
        try:
            entity.deactivate(rid, parse_version(version) or None)
        except StaleVersionError as exc:
            raise _stale(entity, rid, version, exc) from exc
        return self._read_back(entity, rid)

    def delete(self, entity: Entity, record_id_text: str, version: str | None) -> None:
        try:
            rid = record_id(record_id_text)
        except MappingError:
            return  # no Tryton record can have this id: already gone
        try:
            entity.remove(rid, parse_version(version) or None)
        except StaleVersionError as exc:
            raise _stale(entity, rid, version, exc) from exc

    @staticmethod
    def _read_back(entity: Entity, rid: int) -> Record:
        record = entity.records([rid]).get(str(rid))
        if record is None:
            raise NotFoundError(f"{entity.name} {rid} is gone from Tryton")
        return record


def _values(entity: Entity, build: Callable[[], T]) -> T:
    """`build()`, with a payload of the wrong shape (a list where text belongs ...) as a MappingError."""
    try:
        return build()
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise MappingError(f"the {entity.name} record cannot be turned into Tryton values: {exc!r}") from exc


def _existing_id(entity: Entity, text: str) -> int:
    try:
        return record_id(text)
    except MappingError:
        raise NotFoundError(f"{entity.name} {text!r} does not exist in Tryton (not a Tryton id)") from None


def _stale(entity: Entity, rid: int, version: str | None, exc: StaleVersionError) -> StaleVersionError:
    return StaleVersionError(f"{entity.name} {rid} changed in Tryton since it was read",
                             details=exc.details or version, hint="it is read again on the next run")
