"""Zoho CRM writes: inserts and upserts of up to 100 records a call with one result per record, and updates
checked against the record's Modified_Time just before they are sent.

Zoho's v8 record operations (zoho/crm-oas v8.0, the PUT /{module} operation) answer 412 ALREADY_MODIFIED
when an update carries If-Unmodified-Since and the record changed after it; older copies of the same
specification have neither. So an update re-reads the target's Modified_Time first and calls any change since
our read a conflict (StaleVersionError), and also sends If-Unmodified-Since (option `if_unmodified_since`).

What the re-read cannot catch: an edit that lands between the re-read and the write, unless Zoho honours
If-Unmodified-Since; an edit in the same second as the version we read (Modified_Time counts whole seconds);
and a change that does not move Modified_Time at all (formula and roll-up fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.zoho.client import ZohoClient
from erpsync_gui.connectors.zoho.errors import item_error
from erpsync_gui.connectors.zoho.modules import Module
from erpsync_gui.connectors.zoho.shape import parse_time, to_record, unflatten
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ERPSyncError,
    NotFoundError,
    QuotaExhaustedError,
    StaleVersionError,
)
from erpsync_gui.records import BatchItemResult, Record

#: failures that stop the whole run: every other record would meet them too
RUN_STOPPERS = (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError)
_AUDIT = ("Created_Time", "Modified_Time", "Created_By", "Modified_By")


def _extra(triggers: Sequence[str] | None) -> dict[str, Any]:
    return {} if triggers is None else {"trigger": list(triggers)}


def write_many(api: ZohoClient, module: Module, payloads: Sequence[Mapping[str, Any]], *, batch: int,
               triggers: Sequence[str] | None, upsert_on: Sequence[str] | None = None) -> list[BatchItemResult]:
    """Insert (or, with `upsert_on`, upsert) the payloads in calls of `batch`; one result per payload, in
    order. A failed call fails its own records only, unless it would stop the run anyway."""
    results: list[BatchItemResult] = []
    path = f"{module.name}/upsert" if upsert_on is not None else module.name
    action = "upsert" if upsert_on is not None else "insert"
    for offset, chunk in zip(range(0, len(payloads), batch), chunked(payloads, batch), strict=True):
        bodies = [unflatten(p, module.line_field) for p in chunk]
        body: dict[str, Any] = {"data": bodies, **_extra(triggers)}
        if upsert_on:
            body["duplicate_check_fields"] = list(upsert_on)
        what = f"{action} of {len(chunk)} {module.name}"
        try:
            items = api.write("POST", path, body, what=what, count=len(chunk))
        except RUN_STOPPERS:
            raise
        except ERPSyncError as exc:
            results += [BatchItemResult(index=offset + i, error=exc) for i in range(len(chunk))]
            continue
        for i, (sent, item) in enumerate(zip(bodies, items, strict=True)):
            index = offset + i
            if item.get("status") == "success" and isinstance(item.get("details"), Mapping):
                results.append(BatchItemResult(index=index, record=_written(sent, item["details"], module, api)))
            else:
                results.append(BatchItemResult(index=index, error=item_error(
                    item, f"{action} of {module.name} #{index + 1}", api.http.secrets)))
    return results


def _written(sent: Mapping[str, Any], details: Mapping[str, Any], module: Module, api: ZohoClient,
             base: Mapping[str, Any] | None = None) -> Record:
    """The record as Zoho now holds it: what it held (`base`) with what we sent and the reply's audit fields."""
    raw = {**(base or {}), **sent, **{k: details[k] for k in _AUDIT if k in details}}
    raw["id"] = details.get("id", (base or {}).get("id"))
    if module.line_field and module.line_field in raw:
        raw[module.line_field] = [line for line in raw[module.line_field] or () if "_delete" not in line]
    return to_record(raw, module, api.root)


def read_one(api: ZohoClient, module: Module, record_id: str, fields: str) -> dict[str, Any] | None:
    body = api.get(module.name, {"ids": record_id, "fields": fields}, what=f"{module.name} {record_id}")
    data = body.get("data") if body else None
    return next((r for r in data or () if isinstance(r, dict) and str(r.get("id")) == record_id), None)


def check_version(module: Module, record_id: str, current: Mapping[str, Any], version: str | None) -> None:
    """StaleVersionError when the record's Modified_Time is no longer the one read with it."""
    if version is None:
        return
    now, then = parse_time(current.get("Modified_Time")), parse_time(version)
    if now is None or then is None or now != then:
        raise StaleVersionError(
            f"{module.name} {record_id} changed in Zoho CRM since it was read (Modified_Time {version}, now "
            f"{current.get('Modified_Time')})", hint="it is read again on the next run")


def update_one(api: ZohoClient, module: Module, record_id: str, payload: Mapping[str, Any], *, version: str | None,
               fields: str, triggers: Sequence[str] | None, if_unmodified_since: bool) -> Record:
    current = read_one(api, module, record_id, fields)
    if current is None:
        raise NotFoundError(f"{module.name} {record_id} does not exist in Zoho CRM")
    check_version(module, record_id, current, version)
    body = unflatten(payload, module.line_field)
    if module.line_field and "lines" in payload:
        # Zoho appends subform rows it is sent; rows we no longer send are deleted by id
        kept = {str(line.get("id")) for line in body.get(module.line_field, ()) if line.get("id")}
        body[module.line_field] = [*body[module.line_field], *(
            {"id": line["id"], "_delete": None} for line in current.get(module.line_field) or ()
            if isinstance(line, dict) and line.get("id") and str(line["id"]) not in kept)]
    headers = {"If-Unmodified-Since": version} if if_unmodified_since and version else None
    what = f"update of {module.name} {record_id}"
    item = api.write("PUT", module.name, {"data": [{**body, "id": record_id}], **_extra(triggers)}, what=what,
                     count=1, headers=headers)[0]
    if item.get("status") != "success" or not isinstance(item.get("details"), Mapping):
        raise item_error(item, what, api.http.secrets)
    return _written(body, item["details"], module, api, base=current)


def delete_one(api: ZohoClient, module: Module, record_id: str, *, version: str | None, fields: str) -> None:
    if version is not None:
        current = read_one(api, module, record_id, fields)
        if current is None:
            return
        check_version(module, record_id, current, version)
    what = f"delete of {module.name} {record_id}"
    item = api.write("DELETE", module.name, None, what=what, count=1, params={"ids": record_id})[0]
    if item.get("status") == "success":
        return
    error = item_error(item, what, api.http.secrets)
    if not isinstance(error, NotFoundError):
        raise error
    # already gone: what a delete wants
