"""Zoho CRM records as flat native dicts and back.

Read: a nested object becomes dotted keys (`Owner: {"id", "name"}` -> `Owner.id`, `Owner.name`); the module's
line-item subform becomes `lines`, a list of dicts flattened the same way; other values (picklists,
multi-select lists) stay as they are. Write: the reverse, without the fields Zoho sets itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from erpsync_gui.connectors.zoho.modules import READ_ONLY, Module
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import Record

MAX_ID_LENGTH = 64


def flatten(raw: Mapping[str, Any], line_field: str | None = None, prefix: str = "") -> dict[str, Any]:
    # JSON objects are plain dicts: `type(...) is dict` keeps the hot path of a 10k read cheap
    out: dict[str, Any] = {}
    for key, value in raw.items():
        kind = type(value)
        if kind is dict:
            out.update(flatten(value, prefix=f"{prefix}{key}."))
        elif kind is list:
            if not prefix and key == line_field:
                out["lines"] = [flatten(item) if type(item) is dict else item for item in value]
            elif value and all(type(v) is dict for v in value):
                out[f"{prefix}{key}"] = [flatten(v) for v in value]
            else:
                out[f"{prefix}{key}"] = value
        elif not prefix and key == line_field and value is None:
            out["lines"] = []
        else:
            out[f"{prefix}{key}"] = value
    return out


def unflatten(data: Mapping[str, Any], line_field: str | None = None, *, top: bool = True) -> dict[str, Any]:
    """The API body of one record; read-only and `$` system fields are left out at the top level."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if top and (key in READ_ONLY or key.split(".", 1)[0] in READ_ONLY or key.startswith("$")):
            continue
        if top and key == "lines":
            if line_field:
                out[line_field] = [unflatten(v, top=False) if isinstance(v, Mapping) else v for v in value or ()]
            continue
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            value = [unflatten(v, top=False) for v in value]
        head, *rest = key.split(".")
        target = out
        for part in [head, *rest][:-1]:
            node = target.get(part)
            if not isinstance(node, dict):
                node = target[part] = {}
            target = node
        target[[head, *rest][-1]] = value
    return out


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from Zoho's ISO-8601 text (with its offset), None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def moment(value: str) -> datetime:
    """The moment of a Zoho time already checked to be readable (deleted records' times are)."""
    when = parse_time(value)
    assert when is not None, value
    return when


def earlier(text: str, seconds: int = 1) -> str:
    """The ISO text `seconds` before `text`, in the same offset (Zoho compares to the second)."""
    moment = parse_time(text)
    if moment is None:
        raise PermanentError(f"not a Zoho CRM timestamp: {text!r}")
    return (moment - timedelta(seconds=seconds)).isoformat(timespec="seconds")


def record_id(raw: Mapping[str, Any], what: str) -> str:
    value = raw.get("id")
    text = "" if value is None else str(value)
    if not text or len(text) > MAX_ID_LENGTH:
        raise PermanentError(f"malformed reply from Zoho CRM for {what}: a record without a usable id")
    return text


def to_record(raw: Any, module: Module, where: str) -> Record:
    """One Record from one API object; anything else is a PermanentError naming the module and endpoint."""
    if not isinstance(raw, Mapping):
        raise PermanentError(f"malformed reply from Zoho CRM for {module.name} at {where}: a record is not an object")
    rid = record_id(raw, f"{module.name} at {where}")
    modified = raw.get("Modified_Time")
    return Record(id=rid, data=flatten(raw, module.line_field), updated_at=_utc(parse_time(modified)),
                  version=modified if isinstance(modified, str) else None)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None
