"""Creates of several records in one POST, for an ERP whose endpoint says it takes a JSON list (`list_create`).

The body is a JSON list of records; the reply's list member holds one item per record sent, in the same order:
the created record, or an error object `{"error": text, "status": int, "existing_id": id}` for a record that
was not created. A reply that cannot be tied to its records (not readable, no list, another number of items, an
item that is neither, a record carrying another record's origin marker) leaves those records unconfirmed: they
get an OutcomeUnknownError, so the engine keeps their write-ahead and finds them by our origin marker before
anything is sent again; so do they when the server fails (5xx, but 503: not processed) while it works through the
list. A list the ERP refused as a whole (4xx) created nothing: each record gets that error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.reply_ids import record_id_of
from erpsync_gui.connectors.rest_paging import data_of, reply_json, shown_url, to_record
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ConnectorError,
    DuplicateError,
    ERPSyncError,
    MalformedReplyError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    QuotaExhaustedError,
    RetryableError,
)
from erpsync_gui.http.redact import redact_text
from erpsync_gui.records import BatchItemResult

if TYPE_CHECKING:
    from erpsync_gui.connectors.rest_erp import RestErpConnector

#: failures of the whole endpoint: every other list would fail the same way, so the run stops
_RUN_STOPPERS = (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError)
_DETAILS_LIMIT = 500


def create_lists(erp: RestErpConnector, entity: str, bodies: Sequence[Mapping[str, Any]],
                 size: int) -> list[BatchItemResult]:
    """POST `bodies` as lists of at most `size`; one result per body. A failure of the whole endpoint on a later
    list stops the sending, but the lists the ERP created before keep their records: every later body carries
    that failure as its error (the engine takes in every result, then stops the run)."""
    results: list[BatchItemResult] = []
    for chunk in chunked(bodies, size):
        try:
            results += create_list(erp, entity, chunk, len(results))
        except _RUN_STOPPERS as exc:
            if not results:
                raise
            results += _all(bodies[len(results):], len(results), exc)
            break
    return results


def create_list(erp: RestErpConnector, entity: str, bodies: Sequence[Mapping[str, Any]],
                offset: int) -> list[BatchItemResult]:
    """POST `bodies` as one JSON list; one result per body, indexed from `offset`."""
    try:
        response = erp._request("POST", entity, erp._path(entity), json=list(bodies))
    except _RUN_STOPPERS:
        raise
    except OutcomeUnknownError as exc:
        return _all(bodies, offset, exc)
    except PermanentError as exc:
        return _all(bodies, offset, _refused(entity, len(bodies), exc))
    except ERPSyncError as exc:
        status = getattr(exc, "status", None)
        if status is not None and status >= 500 and status != 503:
            # the server failed while it worked through the list: some of its records may be stored
            return _all(bodies, offset, OutcomeUnknownError(
                f"The ERP failed during the list create of {len(bodies)} {entity} records, some of which it may "
                f"have stored: {exc}", status=status, details=getattr(exc, "details", None),
                hint="they are looked for by their origin marker before they are sent again"))
        return _all(bodies, offset, exc)
    return _results(erp, entity, bodies, response, offset)


def _all(bodies: Sequence[Any], offset: int, error: Exception) -> list[BatchItemResult]:
    return [BatchItemResult(index=offset + i, error=error) for i in range(len(bodies))]


def _refused(entity: str, count: int, exc: PermanentError) -> PermanentError:
    return PermanentError(
        f"The ERP refused the list of {count} {entity} records as a whole, so none was created: "
        f"{exc.details or exc.message}", status=exc.status, details=exc.details,
        hint="fix the records' values; if this ERP takes no lists of records, turn off the endpoint's "
             "list_create option")


def _results(erp: RestErpConnector, entity: str, bodies: Sequence[Mapping[str, Any]], response: httpx.Response,
             offset: int) -> list[BatchItemResult]:
    url = shown_url(response)
    what = f"malformed reply from the ERP for the list create of {len(bodies)} {entity} at {url}"
    try:
        items = data_of(reply_json(response, entity), response, entity, erp.options.list_key)
    except MalformedReplyError as exc:
        return _all(bodies, offset, OutcomeUnknownError(f"{what}: {exc}", status=response.status_code))
    if not isinstance(items, list) or len(items) != len(bodies):
        got = f"{len(items)} items" if isinstance(items, list) else "no list"
        return _all(bodies, offset, OutcomeUnknownError(
            f"{what}: {got} for {len(bodies)} records sent; they are looked for by their origin marker before "
            "they are sent again", status=response.status_code))
    results = [_item(erp, entity, body, item, offset + i, url, response.status_code)
               for i, (body, item) in enumerate(zip(bodies, items, strict=True))]
    return _one_record_each(results, entity, url, response.status_code)


def _one_record_each(results: list[BatchItemResult], entity: str, url: str, status: int) -> list[BatchItemResult]:
    """A record the reply gives back for two of the records sent belongs to one of them at most, and which one
    cannot be told: both stay unconfirmed (found by their origin marker before they are sent again)."""
    named: dict[str, list[int]] = {}
    for position, result in enumerate(results):
        if result.record is not None:
            named.setdefault(result.record.id, []).append(position)
    for record_id, positions in named.items():
        if len(positions) < 2:
            continue
        numbers = ", ".join(f"#{results[p].index + 1}" for p in positions)
        for p in positions:
            results[p] = BatchItemResult(index=results[p].index, error=OutcomeUnknownError(
                f"malformed reply from the ERP for the {entity} creates {numbers} at {url}: the same record "
                f"{record_id!r} is given back for each of them", status=status))
    return results


def _item(erp: RestErpConnector, entity: str, body: Mapping[str, Any], item: Any, index: int, url: str,
          status: int) -> BatchItemResult:
    options = erp.options
    if isinstance(item, dict) and "error" in item and item.get(options.id_field) in (None, ""):
        return BatchItemResult(index=index, error=_item_error(erp, entity, body, item))
    try:
        record = to_record(item, options, entity, url, erp._known_secrets())
    except MalformedReplyError as exc:
        return BatchItemResult(index=index, error=OutcomeUnknownError(
            f"The ERP accepted the {entity} create #{index + 1} but its reply is malformed: {exc}", status=status))
    id_field = options.origin_fields[0]
    sent, given = body.get(id_field), record.data.get(id_field)
    if sent is not None and given is not None and str(sent) != str(given):
        # the reply is not in the order sent: linking by position would tie this record to another one's twin
        return BatchItemResult(index=index, error=OutcomeUnknownError(
            f"malformed reply from the ERP for the {entity} create #{index + 1} at {url}: the record given back "
            f"carries {id_field} {given!r}, not {sent!r}", status=status))
    return BatchItemResult(index=index, record=erp._written(entity, record))


def _item_error(erp: RestErpConnector, entity: str, body: Mapping[str, Any],
                item: Mapping[str, Any]) -> ConnectorError:
    """The error of one record the ERP did not create, by the status it names (a 422 when it names none)."""
    code = item.get("status")
    status = code if isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599 else 422
    details = _details(item, erp._known_secrets())
    if status == 409:
        existing = record_id_of(item.get("existing_id"), erp._known_secrets())
        return erp._duplicate(entity, body, DuplicateError(details, existing_id=existing, status=status,
                                                           details=details))
    if status == 404:
        return NotFoundError(f"The ERP refused the create of {entity}: {details}", status=status, details=details)
    if status in (429, 503) or status >= 500:
        return RetryableError(f"The ERP did not create this {entity} record: {details}", status=status,
                              details=details, hint="it is tried again on the next run")
    return erp._refined(entity, "create", PermanentError(details, status=status, details=details))


def _details(item: Mapping[str, Any], secrets: Sequence[str]) -> str:
    """The item's error text, with the per-field reasons a validation error gives."""
    text = str(item.get("error"))
    fields = item.get("fields")
    if isinstance(fields, dict) and fields:
        text += " (" + "; ".join(f"{name}: {reason}" for name, reason in fields.items()) + ")"
    return redact_text(text, secrets)[:_DETAILS_LIMIT]
