"""Import and export of a profile as a TOML or JSON file (chosen by the file's extension or content).

The file holds settings only. Secrets are never stored in it: a key named like one (token, password,
secret, api_key ...) is refused on import and left out on export; set them with `erpsync secret set`.

Example (TOML; the JSON form has the same structure)::

    name = "acme"

    [crm]
    kind = "sql"                      # connector kind: rest | sql | ...
    url = "mysql+pymysql://crm@db.acme.local/crm"
    auth = "none"                     # none | bearer | api_key | basic | oauth2 | client_credentials
                                      # | session | client_cert
    batch_size = 100                  # 1..1000
    timeout = 30.0                    # seconds, > 0
    retries = 3                       # 0..10
    log_level = "INFO"                # DEBUG | INFO | WARNING | ERROR
    [crm.options]                     # connector-specific settings
    table_prefix = "tbl"

    [erp]
    kind = "rest"
    url = "https://erp.acme.local/index.php/api"
    auth = "bearer"

    [schedule]
    enabled = true
    interval_hours = 4                # or cron = "0 */4 * * *"
    window = "19:00-07:00"            # optional: only run inside this time window
    window_days = ["mon", "tue", "wed", "thu", "fri"]
    entities = ["clients", "invoices"]

    [entities.clients]
    enabled = true
    direction = "both"                # import (ERP -> CRM) | export (CRM -> ERP) | both
    policy = "crm_wins"               # crm_wins | erp_wins | newest_wins | manual
    match_keys = ["customer_number", "vat", "email"]
    batch_size = 50                   # optional: overrides the endpoints' batch size
    crm_name = "clients"              # optional: the entity's name on each side
    erp_name = "client"

    [[entities.clients.fields]]       # field mapping rows (format: erpsync_gui.mapping)
    crm = "company"
    erp = "name"

    [entities.products]
    direction = "import"
    currency_mapping = { "1" = 1, "2" = 3 }   # {"<ERP currency id>" = <CRM currency id>}

Left out keys take the defaults of erpsync_gui.profile; an entity's direction defaults to the entity
catalogue's (erpsync_gui.entities). Every problem of a file is reported at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import (
    AUTH_KINDS,
    CONFLICT_POLICIES,
    LOG_LEVELS,
    EndpointConfig,
    EntityConfig,
    ProfileConfig,
    Schedule,
)
from erpsync_gui.records import Direction, Side

log = logging.getLogger(__name__)

FORMATS = ("toml", "json")
_SECRET_NAME = re.compile(r"token|passw|secret|api[_-]?key|credential|private[_-]?key|pwd", re.IGNORECASE)
#: names that merely refer to a secret (where to send it, what it is called) are fine
_SECRET_REFERENCE_SUFFIXES = (
    "_url", "_uri", "_endpoint", "_header", "_name", "_field", "_param", "_path", "_file",
)
_SECRET_MESSAGE = "secrets are never stored in the profile file; use `erpsync secret set`"
_TOP_KEYS = ("name", "demo", "crm", "erp", "schedule", "entities")
_ENDPOINT_KEYS = tuple(f.name for f in dataclasses.fields(EndpointConfig) if f.name != "side")
_SCHEDULE_KEYS = tuple(f.name for f in dataclasses.fields(Schedule))
_ENTITY_KEYS = tuple(f.name for f in dataclasses.fields(EntityConfig) if f.name != "entity")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class ProfileFileError(ConfigError):
    """A profile file with problems; `problems` lists each one ("crm.batch_size: ...")."""

    def __init__(self, source: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"{source} has {count}:\n" + "\n".join(f"  - {p}" for p in problems),
                         hint="fix the lines listed and import the file again")
        self.problems = tuple(problems)


def is_secret_name(name: str) -> bool:
    """True for keys that would hold a secret (db_password, token, client_secret, api_key ...)."""
    lowered = name.lower()
    return bool(_SECRET_NAME.search(lowered)) and not lowered.endswith(_SECRET_REFERENCE_SUFFIXES)


# -- reading ------------------------------------------------------------------------------------------


def load_profile_file(path: str | Path) -> ProfileConfig:
    """Read and check a profile file; ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Profile file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read profile file {path}: {exc}") from None
    return loads_profile(text, _format_of(path, text), source=str(path))


def _format_of(path: Path, text: str) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    return "json" if text.lstrip().startswith("{") else "toml"


def loads_profile(text: str, fmt: str, *, source: str = "the profile file") -> ProfileConfig:
    """Parse profile text in `fmt` ("toml" or "json") and check it."""
    if fmt == "toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    elif fmt == "json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno} column {exc.colno}"
            raise ConfigError(f"{source} is not valid JSON: {exc.msg} ({where})") from None
    else:
        raise ConfigError(f"Unknown profile file format {fmt!r}", hint="use toml or json")
    return profile_from_dict(doc, source=source)


def profile_from_dict(doc: Any, *, source: str = "the profile file") -> ProfileConfig:
    """Check a parsed document and build the profile; ProfileFileError listing every problem."""
    if not isinstance(doc, Mapping):
        raise ProfileFileError(source, [f"the top level must be a table, not {type(doc).__name__}"])
    problems: list[str] = []
    _check_secret_keys(doc, "", problems)
    _unknown_keys(doc, _TOP_KEYS, "", problems)
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        problems.append("name: required, a text of 1 to 100 characters")
    demo = doc.get("demo", False)
    if not isinstance(demo, bool):
        problems.append("demo: must be true or false")
    crm = _endpoint(doc.get("crm"), Side.CRM, problems)
    erp = _endpoint(doc.get("erp"), Side.ERP, problems)
    schedule = _schedule(doc.get("schedule", {}), problems)
    entities = _entities(doc.get("entities", {}), problems)
    if problems or crm is None or erp is None or schedule is None:
        raise ProfileFileError(source, problems)
    return ProfileConfig(name=name.strip(), crm=crm, erp=erp, entities=entities, schedule=schedule, demo=demo)


def _check_secret_keys(value: Any, path: str, problems: list[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}{key}"
            if is_secret_name(str(key)):
                problems.append(f"{where}: {_SECRET_MESSAGE}")
            else:
                _check_secret_keys(item, f"{where}.", problems)
    elif isinstance(value, list):
        for number, item in enumerate(value, start=1):
            _check_secret_keys(item, f"{path.rstrip('.')}[{number}].", problems)


def _unknown_keys(table: Mapping[str, Any], allowed: tuple[str, ...], path: str, problems: list[str]) -> None:
    for key in table:
        if key not in allowed and not is_secret_name(str(key)):
            problems.append(f"{path}{key}: unknown key (allowed: {', '.join(allowed)})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choice(value: Any, choices: tuple[str, ...], where: str, problems: list[str]) -> bool:
    if value not in choices:
        problems.append(f"{where}: {value!r} is not one of {', '.join(choices)}")
        return False
    return True


def _text(value: Any, where: str, problems: list[str], *, required: bool = False) -> bool:
    if value is None and not required:
        return True
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {'required, ' if required else 'must be '}a non-empty text")
        return False
    return True


def _endpoint(table: Any, side: Side, problems: list[str]) -> EndpointConfig | None:
    where = side.value
    if not isinstance(table, Mapping):
        problems.append(f"{where}: required, a table with at least kind and url")
        return None
    count = len(problems)
    _unknown_keys(table, _ENDPOINT_KEYS, f"{where}.", problems)
    _text(table.get("kind"), f"{where}.kind", problems, required=True)
    _text(table.get("url"), f"{where}.url", problems, required=True)
    values = {k: table[k] for k in _ENDPOINT_KEYS if k in table}
    if "auth" in table:
        _choice(table["auth"], AUTH_KINDS, f"{where}.auth", problems)
    if "batch_size" in table and not (_is_int(table["batch_size"]) and 1 <= table["batch_size"] <= 1000):
        problems.append(f"{where}.batch_size: {table['batch_size']!r} is not a whole number from 1 to 1000")
    if "timeout" in table and not (_is_number(table["timeout"]) and table["timeout"] > 0):
        problems.append(f"{where}.timeout: {table['timeout']!r} is not a number of seconds above 0")
    if "retries" in table and not (_is_int(table["retries"]) and 0 <= table["retries"] <= 10):
        problems.append(f"{where}.retries: {table['retries']!r} is not a whole number from 0 to 10")
    if "log_level" in table:
        level = table["log_level"]
        level = level.upper() if isinstance(level, str) else level
        if _choice(level, LOG_LEVELS, f"{where}.log_level", problems):
            values["log_level"] = level
    if "options" in table and not isinstance(table["options"], Mapping):
        problems.append(f"{where}.options: must be a table")
    if len(problems) > count:
        return None
    if "timeout" in values:
        values["timeout"] = float(values["timeout"])
    values["options"] = dict(values.get("options", {}))
    return EndpointConfig(side=side, **values)


def _schedule(table: Any, problems: list[str]) -> Schedule | None:
    if not isinstance(table, Mapping):
        problems.append("schedule: must be a table")
        return None
    count = len(problems)
    _unknown_keys(table, _SCHEDULE_KEYS, "schedule.", problems)
    values = {k: table[k] for k in _SCHEDULE_KEYS if k in table}
    if not isinstance(values.get("enabled", False), bool):
        problems.append("schedule.enabled: must be true or false")
    hours = values.get("interval_hours")
    if hours is not None and not (_is_number(hours) and hours > 0):
        problems.append(f"schedule.interval_hours: {hours!r} is not a number of hours above 0")
    _text(values.get("cron"), "schedule.cron", problems)
    window = values.get("window")
    if window is not None and not (isinstance(window, str) and _WINDOW.match(window)):
        problems.append(f"schedule.window: {window!r} is not of the form HH:MM-HH:MM")
    for key, choices in (("window_days", _DAYS), ("entities", tuple(ENTITIES))):
        items = values.get(key, [])
        if not isinstance(items, list):
            problems.append(f"schedule.{key}: must be a list")
            continue
        for item in items:
            _choice(item, choices, f"schedule.{key}", problems)
        values[key] = tuple(items)
    if len(problems) > count:
        return None
    return Schedule(**values)


def _entities(table: Any, problems: list[str]) -> tuple[EntityConfig, ...]:
    if not isinstance(table, Mapping):
        problems.append("entities: must be a table of [entities.<name>] tables")
        return ()
    out: list[EntityConfig] = []
    for name, body in table.items():
        where = f"entities.{name}"
        if name not in ENTITIES:
            problems.append(f"{where}: unknown entity {name!r} (known: {', '.join(ENTITIES)})")
            continue
        if not isinstance(body, Mapping):
            problems.append(f"{where}: must be a table")
            continue
        entity = _entity(name, body, where, problems)
        if entity is not None:
            out.append(entity)
    return tuple(out)


def _entity(name: str, body: Mapping[str, Any], where: str, problems: list[str]) -> EntityConfig | None:
    count = len(problems)
    spec = ENTITIES[name]
    _unknown_keys(body, _ENTITY_KEYS, f"{where}.", problems)
    values = {k: body[k] for k in _ENTITY_KEYS if k in body}
    if not isinstance(values.get("enabled", True), bool):
        problems.append(f"{where}.enabled: must be true or false")
    direction = values.get("direction", spec.default_direction.value)
    if _choice(direction, tuple(d.value for d in Direction), f"{where}.direction", problems):
        values["direction"] = Direction(direction)
    if "policy" in values:
        _choice(values["policy"], CONFLICT_POLICIES, f"{where}.policy", problems)
    keys = values.get("match_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
        problems.append(f"{where}.match_keys: must be a list of field names")
    else:
        values["match_keys"] = tuple(keys)
    size = values.get("batch_size")
    if size is not None and not (_is_int(size) and 1 <= size <= 1000):
        problems.append(f"{where}.batch_size: {size!r} is not a whole number from 1 to 1000")
    _text(values.get("crm_name"), f"{where}.crm_name", problems)
    _text(values.get("erp_name"), f"{where}.erp_name", problems)
    if "currency_mapping" in values:
        values["currency_mapping"] = _currency_mapping(values["currency_mapping"], where, problems)
    if "fields" in values:
        values["fields"] = _fields(values["fields"], where, problems)
    if len(problems) > count:
        return None
    return EntityConfig(entity=name, **values)


def _currency_mapping(value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    from erpsync_gui.mapping.currency import validate_currency_mapping

    if not isinstance(value, Mapping):
        problems.append(f'{where}.currency_mapping: must be a table such as {{ "1" = 1 }}')
        return {}
    try:
        validate_currency_mapping(value)
    except ConfigError as exc:
        problems.append(f"{where}.currency_mapping: {exc.message}")
    return dict(value)


def _fields(rows: Any, where: str, problems: list[str]) -> tuple[dict[str, Any], ...]:
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        problems.append(f"{where}.fields: must be a list of [[{where}.fields]] tables")
        return ()
    try:
        from erpsync_gui.mapping import parse_fields
    except ImportError:
        from erpsync_gui.mapping.spec import parse_fields
    try:
        parse_fields(rows)
    except ConfigError as exc:
        found = getattr(exc, "problems", None) or (exc.message,)
        problems.extend(f"{where}.fields: {p}" for p in found)
    return tuple(dict(r) for r in rows)


# -- writing ------------------------------------------------------------------------------------------


def _without_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_none(v) for v in value if v is not None]
    return value


def _without_secrets(value: Any, path: str = "") -> Any:
    """Drop keys named like secrets (an endpoint's options may hold anything); says which ones went."""
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            if is_secret_name(str(key)):
                log.warning("Export leaves out %s%s: %s", path, key, _SECRET_MESSAGE)
                continue
            kept[key] = _without_secrets(item, f"{path}{key}.")
        return kept
    if isinstance(value, list):
        return [_without_secrets(v, path) for v in value]
    return value


def profile_to_dict(cfg: ProfileConfig) -> dict[str, Any]:
    """The file form of a profile (no ids, no None values, no secrets)."""

    def endpoint(e: EndpointConfig) -> dict[str, Any]:
        data = {k: getattr(e, k) for k in _ENDPOINT_KEYS}
        data["options"] = dict(e.options)
        return data

    schedule = {k: getattr(cfg.schedule, k) for k in _SCHEDULE_KEYS}
    entities = {}
    for entity in cfg.entities:
        data = {k: getattr(entity, k) for k in _ENTITY_KEYS}
        data["direction"] = Direction(entity.direction).value
        data["fields"] = [dict(f) for f in entity.fields]
        entities[entity.entity] = data
    doc: dict[str, Any] = {"name": cfg.name}
    if cfg.demo:
        doc["demo"] = True
    doc.update(crm=endpoint(cfg.crm), erp=endpoint(cfg.erp), schedule=schedule, entities=entities)
    return _without_secrets(_without_none(doc))


def dump_profile(cfg: ProfileConfig, fmt: str = "toml") -> str:
    """The profile as TOML or JSON text, ready to be written to a file."""
    doc = profile_to_dict(cfg)
    if fmt == "toml":
        return tomli_w.dumps(doc)
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    raise ConfigError(f"Unknown profile file format {fmt!r}", hint="use toml or json")


def write_profile_file(cfg: ProfileConfig, path: str | Path) -> Path:
    """Export the profile to `path`, TOML unless the name ends in .json."""
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    try:
        path.write_text(dump_profile(cfg, fmt), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot write profile file {path}: {exc}") from None
    return path
