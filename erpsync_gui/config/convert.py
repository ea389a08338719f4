"""Between a profile file's document, the typed model and the profile values the engine runs on.

Every way a profile comes in (a file, the window's Save, the state database, the start of a run) goes
through `check`, so one model decides what a profile may be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from erpsync_gui.config.kinds import kind_named
from erpsync_gui.config.problems import problems_of
from erpsync_gui.config.profile_model import profile_model
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Direction, Side

_SECRET_NAME = re.compile(r"token|passw|secret|api[_-]?key|credential|private[_-]?key|pwd", re.IGNORECASE)
#: names that merely refer to a secret (where to send it, what it is called) are fine
_SECRET_REFERENCE_SUFFIXES = ("_url", "_uri", "_endpoint", "_header", "_name", "_field", "_param", "_path", "_file",
                              "_auth")
SECRET_MESSAGE = "secrets are never stored in the profile file; use `erpsync secret set`"


class ProfileFileError(ConfigError):
    """A profile with problems; `problems` lists each one ("crm.batch_size: ...")."""

    def __init__(self, source: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"{source} has {count}:\n" + "\n".join(f"  - {p}" for p in problems),
                         hint="fix the lines listed and try again")
        self.problems = tuple(problems)


def is_secret_name(name: str) -> bool:
    """True for keys that would hold a secret (db_password, token, client_secret, api_key ...)."""
    lowered = name.lower()
    return bool(_SECRET_NAME.search(lowered)) and not lowered.endswith(_SECRET_REFERENCE_SUFFIXES)


def _secret_keys(value: Any, path: str, problems: list[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}{key}"
            if is_secret_name(str(key)) and key not in ("auth_scheme",):
                problems.append(f"{where}: {SECRET_MESSAGE}")
            else:
                _secret_keys(item, f"{where}.", problems)
    elif isinstance(value, list):
        for number, item in enumerate(value, start=1):
            _secret_keys(item, f"{path.rstrip('.')}[{number}].", problems)


def _kinds_of(doc: Mapping[str, Any]) -> tuple[str, str] | None:
    """The connector kinds of both sides when each names a known kind of its side, else None."""
    used: list[str] = []
    for side in (Side.CRM, Side.ERP):
        endpoint = doc.get(side.value)
        name = endpoint.get("kind") if isinstance(endpoint, Mapping) else None
        kind = kind_named(name) if isinstance(name, str) else None
        if kind is None or side not in kind.sides:
            return None
        used.append(kind.name)
    return used[0], used[1]


def validate(doc: Any, source: str = "the profile") -> BaseModel:
    """The typed profile of a document; ProfileFileError listing every problem at once."""
    if not isinstance(doc, Mapping):
        raise ProfileFileError(source, [f"the top level must be a table, not {type(doc).__name__}"])
    problems: list[str] = []
    _secret_keys(doc, "", problems)
    if problems:
        raise ProfileFileError(source, problems)
    used = _kinds_of(doc)
    if used is not None:
        try:
            return profile_model(*used).model_validate(dict(doc))
        except ValidationError:
            pass  # the whole model words the problems: it knows every kind
    model = profile_model()
    try:
        return model.model_validate(dict(doc))
    except ValidationError as exc:
        raise ProfileFileError(source, problems_of(exc, model)) from None


def to_profile(model: BaseModel, *, profile_id: int | None = None) -> ProfileConfig:
    """The profile values of a validated model."""
    data: Any = model
    return ProfileConfig(
        name=data.name, crm=_endpoint(data.crm, Side.CRM), erp=_endpoint(data.erp, Side.ERP),
        entities=tuple(_entity(name, e) for name, e in data.entities.items()),
        schedule=Schedule(enabled=data.schedule.enabled, interval_hours=data.schedule.interval_hours,
                          cron=data.schedule.cron, window=data.schedule.window,
                          window_days=tuple(data.schedule.window_days), entities=tuple(data.schedule.entities)),
        demo=data.demo, id=profile_id,
    )


def _endpoint(model: Any, side: Side) -> EndpointConfig:
    return EndpointConfig(
        side=side, kind=model.kind, url=model.url.strip(), auth=model.auth, batch_size=model.batch_size,
        timeout=float(model.timeout), retries=model.retries, log_level=model.log_level,
        clock_offset_s=float(model.clock_offset_s),
        options=model.options.model_dump(mode="json", by_alias=True, exclude_unset=True),
    )


def _entity(name: str, model: Any) -> EntityConfig:
    direction = model.direction or ENTITIES[name].default_direction.value
    return EntityConfig(
        entity=name, enabled=model.enabled, direction=Direction(direction), policy=model.policy,
        match_keys=tuple(model.match_keys or ()),
        fields=tuple(row.model_dump(mode="json", exclude_unset=True) for row in model.fields),
        currency_mapping={str(k): v for k, v in model.currency_mapping.items()},
        batch_size=model.batch_size, crm_name=model.crm_name, erp_name=model.erp_name,
        merge_fallback=model.merge_fallback, brake_percent=float(model.brake_percent),
        brake_records=model.brake_records, brake_min=model.brake_min, on_delete=model.on_delete,
        review_first_sync=model.review_first_sync,
        first_direction=Direction(model.first_direction) if model.first_direction else None,
    )


def document(profile: ProfileConfig) -> dict[str, Any]:
    """The file form of a profile (no ids, no secrets), as the model takes it."""

    def endpoint(e: EndpointConfig) -> dict[str, Any]:
        return {"kind": e.kind, "url": e.url, "auth": e.auth, "batch_size": e.batch_size, "timeout": e.timeout,
                "retries": e.retries, "log_level": e.log_level, "clock_offset_s": e.clock_offset_s,
                "options": dict(e.options or {})}

    def entity(e: EntityConfig) -> dict[str, Any]:
        data: dict[str, Any] = {"enabled": e.enabled, "direction": Direction(e.direction).value, "policy": e.policy}
        if e.match_keys:
            data["match_keys"] = list(e.match_keys)
        data["fields"] = [dict(f) for f in e.fields]
        if e.currency_mapping:
            data["currency_mapping"] = dict(e.currency_mapping)
        for key in ("batch_size", "crm_name", "erp_name"):
            if getattr(e, key) is not None:
                data[key] = getattr(e, key)
        data.update(merge_fallback=e.merge_fallback, brake_percent=e.brake_percent, brake_records=e.brake_records,
                    brake_min=e.brake_min, on_delete=e.on_delete, review_first_sync=e.review_first_sync)
        if e.first_direction is not None:
            data["first_direction"] = Direction(e.first_direction).value
        return data

    s = profile.schedule
    schedule: dict[str, Any] = {"enabled": s.enabled, "interval_hours": s.interval_hours,
                                "window_days": list(s.window_days), "entities": list(s.entities)}
    for key in ("cron", "window"):
        if getattr(s, key):
            schedule[key] = getattr(s, key)
    doc: dict[str, Any] = {"name": profile.name}
    if profile.demo:
        doc["demo"] = True
    doc.update(crm=endpoint(profile.crm), erp=endpoint(profile.erp), schedule=schedule,
               entities={e.entity: entity(e) for e in profile.entities})
    return doc


def check(profile: ProfileConfig, source: str | None = None) -> ProfileConfig:
    """The profile checked against the model (as saved, loaded, or about to run); it comes back normalized,
    with its id kept."""
    model = validate(document(profile), source or f"profile {profile.name!r}")
    return to_profile(model, profile_id=profile.id)
