"""The control API's JSON: the store's own value classes (runs, log lines, error groups, conflicts, queued
jobs) written out and read back, so the tray app works with the same objects locally and remotely."""

from __future__ import annotations

import dataclasses
import functools
import json
import typing
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, TypeVar


class _Dataclass(Protocol):
    """Any dataclass, as the type checker knows one."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


T = TypeVar("T", bound=_Dataclass)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be sent")


def dumps(value: Any) -> bytes:
    """JSON of dataclasses, lists and dicts of them, datetimes as ISO text."""
    def walk(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return {f.name: walk(getattr(item, f.name)) for f in dataclasses.fields(item)}
        if isinstance(item, dict):
            return {str(k): walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    return json.dumps(walk(value), default=_plain, ensure_ascii=False).encode("utf-8")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _field(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    kinds = typing.get_args(kind) or (kind,)
    if datetime in kinds:
        return datetime.fromisoformat(value)
    if date in kinds:
        return date.fromisoformat(value)
    if typing.get_origin(kind) is tuple:
        return tuple(value)
    return value


def load(cls: type[T], data: dict[str, Any]) -> T:
    """One dataclass from its JSON object (fields it does not know are left out: a newer service may send more)."""
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{name: _field(hints[name], value) for name, value in data.items() if name in names})


def load_list(cls: type[T], data: list[dict[str, Any]]) -> list[T]:
    return [load(cls, item) for item in data]
