"""QuickBooks Online objects as flat native dicts and back: nested objects become dotted names
(`CustomerRef.value`), `Line` becomes `lines` (a list of flat dicts), other arrays stay lists of flat dicts."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync_gui.connectors.quickbooks.entities import Entity
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import Record

MAX_ID_LENGTH = 64
#: what a write never sends: QuickBooks sets these (Id and SyncToken are added where an update needs them)
READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "time"})


def flatten(raw: Mapping[str, Any], prefix: str = "", top: bool = True) -> dict[str, Any]:
    # JSON objects are plain dicts: `type(...) is dict` keeps the hot path of a 10k read cheap
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = "lines" if top and key == "Line" else f"{prefix}{key}"
        kind = type(value)
        if kind is dict:
            out.update(flatten(value, f"{name}.", top=False))
        elif kind is list and all(type(v) is dict for v in value):
            out[name] = [flatten(v, top=False) for v in value]
        else:
            out[name] = value
    return out


def unflatten(data: Mapping[str, Any], top: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        head = key.split(".", 1)[0]
        if top and head in READ_ONLY:
            continue
        if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            value = [unflatten(v, top=False) for v in value]
        if key.endswith("Ref.value") and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a reference's value is text in QuickBooks (a linked id may arrive as a number)
        parts = ["Line"] if top and key == "lines" else key.split(".")
        target = out
        for part in parts[:-1]:
            node = target.get(part)
            if not isinstance(node, dict):
                node = target[part] = {}
            target = node
        target[parts[-1]] = value
    if top and isinstance(out.get("Line"), list):
        out["Line"] = [complete_line(line) if isinstance(line, dict) else line for line in out["Line"]]
    return out


def complete_line(line: dict[str, Any]) -> dict[str, Any]:
    """A sales line as QuickBooks requires it: its DetailType named by the detail it carries, and its Amount
    (QuickBooks asks for it beside the quantity and the unit price) from Qty × UnitPrice when not given."""
    detail = line.get("SalesItemLineDetail")
    if not isinstance(detail, dict):
        return line
    line.setdefault("DetailType", "SalesItemLineDetail")
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    if line.get("Amount") is None and qty is not None and price is not None:
        # not numbers: the line goes as it is, and QuickBooks names the field in its Fault
        with contextlib.suppress(InvalidOperation):
            line["Amount"] = (Decimal(str(qty)) * Decimal(str(price))).quantize(Decimal("0.01"))
    return line


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def earlier(text: str, seconds: int = 1) -> str:
    moment = parse_time(text)
    if moment is None:
        raise PermanentError(f"not a QuickBooks Online timestamp: {text!r}")
    return (moment - timedelta(seconds=seconds)).isoformat(timespec="seconds")


def updated_text(raw: Mapping[str, Any]) -> str | None:
    meta = raw.get("MetaData")
    value = meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) else None


def object_id(raw: Any, what: str) -> str:
    value = raw.get("Id") if isinstance(raw, Mapping) else None
    text = "" if value is None else str(value)
    if not text or len(text) > MAX_ID_LENGTH:
        raise PermanentError(f"malformed reply from QuickBooks Online for {what}: an object without a usable Id")
    return text


def to_record(raw: Any, entity: Entity, where: str) -> Record:
    if not isinstance(raw, Mapping):
        raise PermanentError(f"malformed reply from QuickBooks Online for {entity.name} at {where}: not an object")
    rid = object_id(raw, f"{entity.name} at {where}")
    stamp = parse_time(updated_text(raw))
    token = raw.get("SyncToken")
    return Record(id=rid, data=flatten(raw), updated_at=stamp.astimezone(UTC) if stamp else None,
                  version=None if token is None else str(token))
