"""Import and export of a profile as a TOML or JSON file (chosen by the file's extension or content).

The file is checked against the typed profile model (erpsync_gui.config): every problem at once, with its
path, the value and what is allowed. It holds settings only: a key named like a secret (token, password,
secret, api_key ...) is refused on import and never written on export; set secrets with `erpsync secret set`.
`erpsync_gui/config/profile.schema.json` is the model as a JSON Schema, for an editor to check a file as it
is written. `erpsync config export` on the demo profile prints a complete example.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from erpsync_gui.config.convert import ProfileFileError, check, document, is_secret_name, to_profile, validate
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig

FORMATS = ("toml", "json")
__all__ = ["FORMATS", "ProfileFileError", "dump_profile", "is_secret_name", "load_profile_file", "loads_profile",
           "profile_from_dict", "profile_to_dict", "write_profile_file"]


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
        except RecursionError:  # tomllib parses nested arrays and inline tables recursively
            raise ConfigError(f"{source} is nested too deep to be a profile") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    elif fmt == "json":
        try:
            doc = json.loads(text)
        except RecursionError:
            raise ConfigError(f"{source} is nested too deep to be a profile") from None
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno} column {exc.colno}"
            raise ConfigError(f"{source} is not valid JSON: {exc.msg} ({where})") from None
    else:
        raise ConfigError(f"Unknown profile file format {fmt!r}", hint="use toml or json")
    return profile_from_dict(doc, source=source)


def profile_from_dict(doc: Any, *, source: str = "the profile file") -> ProfileConfig:
    """Check a parsed document and build the profile; ProfileFileError listing every problem."""
    return to_profile(validate(doc, source))


def profile_to_dict(cfg: ProfileConfig) -> dict[str, Any]:
    """The file form of a profile (no ids, no None values, no secrets), checked by the model first."""
    checked = check(cfg)
    return _without_none(document(checked))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _without_none(v) for k, v in value.items() if v is not None and not is_secret_name(str(k))}
    if isinstance(value, list | tuple):
        return [_without_none(v) for v in value if v is not None]
    return value


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
