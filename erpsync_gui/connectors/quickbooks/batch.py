"""QuickBooks Online batches: `POST /batch` with `BatchItemRequest` items (`bId`, `operation`, the object),
answered by `BatchItemResponse` items matched back by `bId` (QuickBooks does not keep their order). Each call
also takes a slot of the endpoint's batch limiter (40 batch calls a minute per company)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.quickbooks.client import QboClient
from erpsync_gui.connectors.quickbooks.entities import Entity
from erpsync_gui.connectors.quickbooks.errors import fault_error, fault_of
from erpsync_gui.connectors.quickbooks.shape import to_record
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ERPSyncError,
    PermanentError,
    QuotaExhaustedError,
)
from erpsync_gui.http.ratelimit import RateLimiter
from erpsync_gui.records import BatchItemResult

#: failures that stop the whole run: every other record would meet them too
RUN_STOPPERS = (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError)


def run_batches(api: QboClient, entity: Entity, operation: str, bodies: Sequence[Mapping[str, Any]], *, size: int,
                limiter: RateLimiter | None) -> list[tuple[BatchItemResult, Mapping[str, Any] | None]]:
    """One result per body, in order (with the Fault of a failed item, for the caller's refinements)."""
    results: list[tuple[BatchItemResult, Mapping[str, Any] | None]] = []
    for offset, chunk in zip(range(0, len(bodies), size), chunked(bodies, size), strict=True):
        items = [{"bId": str(offset + i), "operation": operation, entity.name: dict(body)}
                 for i, body in enumerate(chunk)]
        what = f"batch {operation} of {len(chunk)} {entity.name}"
        try:
            reply = api.call("POST", "batch", body={"BatchItemRequest": items}, what=what, entity=entity,
                             also_limit=limiter)
        except RUN_STOPPERS:
            raise
        except ERPSyncError as exc:
            results += [(BatchItemResult(index=offset + i, error=exc), None) for i in range(len(chunk))]
            continue
        answers = reply.get("BatchItemResponse")
        by_id = {str(a.get("bId")): a for a in answers if isinstance(a, dict)} if isinstance(answers, list) else {}
        for i in range(len(chunk)):
            index = offset + i
            answer = by_id.get(str(index))
            fault = fault_of(answer)
            if answer is None:
                error: ERPSyncError = PermanentError(
                    f"malformed reply from QuickBooks Online for {what}: no answer for item {index + 1}")
                results.append((BatchItemResult(index=index, error=error), None))
            elif fault is not None:
                error = fault_error(fault, f"{operation} of {entity.name} #{index + 1}", entity,
                                    secrets=api.http.secrets, status=400)
                results.append((BatchItemResult(index=index, error=error), fault))
            else:
                try:
                    record = to_record(answer.get(entity.name), entity, api.base)
                except PermanentError as exc:
                    results.append((BatchItemResult(index=index, error=exc), None))
                else:
                    results.append((BatchItemResult(index=index, record=record), None))
    return results
