"""The fields the connection step asks for, built from the kinds catalogue and the kind's endpoint model: the
kind's own form entries first (in the system's words), then what its auth kind needs, its secrets, and the
model's other simple settings in an Advanced section. No list of kinds or settings is kept here."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from erpsync_gui.config.endpoint import endpoint_model
from erpsync_gui.config.kinds import ConnectorKind
from erpsync_gui.config.problems import describe, merged_errors, path_of
from erpsync_gui.http.auth_kinds import AUTH_KINDS
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side

#: how a setting is entered
Widget = Literal["text", "number", "check", "choice", "secret"]
#: settings of HttpOptions that the Advanced section offers (the nested tables stay in the profile file)
_ADVANCED_HTTP = ("proxy", "ca_bundle", "verify", "trust_cert_sha256", "connect_timeout_s", "total_timeout_s",
                  "rate_limit_key")
_NEEDS = re.compile(r"needs options\.(\w+)$")
_WORDS = {"url": "URL", "id": "ID", "db": "database", "s": "(s)", "sha256": "SHA-256", "ca": "CA"}


@dataclass(frozen=True)
class FieldSpec:
    """One input of the connection step: `key` is "url", "auth", "options.<name>" or "secret:<name>"."""

    key: str
    label: str
    help: str = ""
    placeholder: str = ""
    required: bool = False
    widget: Widget = "text"
    choices: tuple[str, ...] = ()
    default: Any = None
    advanced: bool = False

    @property
    def secret(self) -> bool:
        return self.key.startswith("secret:")


def humanize(name: str) -> str:
    """"connect_timeout_s" -> "Connect timeout (s)": a label for a setting the kind does not name itself."""
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words).replace(" (s)", " (s)")
    return text[:1].upper() + text[1:]


def _simple(annotation: Any) -> tuple[Widget, tuple[str, ...]] | None:
    """The widget of a simple setting (text, number, yes/no, one of a list), None for tables and lists."""
    kinds: list[Any] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        origin = get_origin(item)
        if origin is typing.Annotated:
            stack.append(get_args(item)[0])
        elif origin in (typing.Union, types.UnionType):
            stack.extend(a for a in get_args(item) if a is not type(None))
        else:
            kinds.append(item)
    if any(get_origin(k) in (list, dict, tuple) or (isinstance(k, type) and issubclass(k, BaseModel))
           for k in kinds):
        return None
    if len(kinds) == 1 and get_origin(kinds[0]) is Literal:
        return "choice", tuple(str(a) for a in get_args(kinds[0]))
    if kinds == [bool]:
        return "check", ()
    if all(k in (int, float) for k in kinds):
        return "number", ()
    return "text", ()


def _option(name: str, info: FieldInfo, *, label: str | None = None, help_text: str | None = None,
            placeholder: str = "", required: bool = False, advanced: bool = False) -> FieldSpec | None:
    simple = _simple(info.annotation)
    if simple is None:
        return None
    widget, choices = simple
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    return FieldSpec(f"options.{info.alias or name}", label or humanize(name), help_text or info.description or "",
                     placeholder, required or info.is_required(), widget, choices, default, advanced)


def field_specs(kind: ConnectorKind, side: Side, auth: str | None = None) -> list[FieldSpec]:
    """The inputs for one side of this kind with this auth kind (default: the kind's own)."""
    auth = auth or kind.default_auth
    options_model = endpoint_model(kind.name, side).model_fields["options"].annotation
    known: Mapping[str, FieldInfo] = getattr(options_model, "model_fields", {})
    by_alias = {(info.alias or name): (name, info) for name, info in known.items()}
    specs: list[FieldSpec] = []
    taken: set[str] = set()
    form = {f.key: f for f in kind.form}
    url = form.get("url")
    specs.append(FieldSpec("url", url.label if url else kind.url_label, url.help if url else "",
                           (url.placeholder if url else "") or kind.url_placeholder, True))
    if len(kind.auth_kinds) > 1:
        specs.append(FieldSpec("auth", "Sign-in", "how ERPSync signs in to this system", required=True,
                               widget="choice", choices=tuple(kind.auth_kinds), default=kind.default_auth))
    for entry in kind.form:
        if entry.key == "url" or entry.key.startswith("secret:"):
            continue
        if entry.key in by_alias:
            name, info = by_alias[entry.key]
            spec = _option(name, info, label=entry.label, help_text=entry.help, placeholder=entry.placeholder,
                           required=entry.required)
            if spec is not None:
                specs.append(spec)
                taken.add(entry.key)
    auth_kind = AUTH_KINDS.get(auth)
    if auth_kind is not None and kind.http:
        for name in auth_kind.options:
            if name in taken or name not in by_alias:
                continue
            spec = _option(*by_alias[name], required=name in auth_kind.required_options,
                           advanced=name not in auth_kind.required_options)
            if spec is not None:
                specs.append(spec)
                taken.add(name)
    probe = EndpointConfig(side, kind.name, "", auth=auth)
    for secret in kind.needed_secrets(probe):
        entry = form.get(f"secret:{secret.name}")
        specs.append(FieldSpec(f"secret:{secret.name}", entry.label if entry else secret.label,
                               (entry.help if entry else "") or secret.help, required=secret.required,
                               widget="secret"))
    own = getattr(kind.options, "model_fields", {})
    for name, info in known.items():
        key = info.alias or name
        if key in taken or (name not in own and name not in _ADVANCED_HTTP):
            continue
        spec = _option(name, info, advanced=not info.is_required())
        if spec is not None:
            specs.append(spec)
            taken.add(key)
    return specs


def endpoint_document(kind: ConnectorKind, auth: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint's file form from the inputs' values (secrets left out; empty inputs left out, so the
    model's defaults apply)."""
    doc: dict[str, Any] = {"kind": kind.name, "url": str(values.get("url") or "").strip(), "auth": auth}
    options: dict[str, Any] = {}
    for key, value in values.items():
        if not key.startswith("options.") or value is None or (isinstance(value, str) and not value.strip()):
            continue
        options[key.removeprefix("options.")] = value.strip() if isinstance(value, str) else value
    doc["options"] = options
    return doc


@dataclass(frozen=True)
class EndpointCheck:
    """The model's verdict on one side's inputs: problems by input key ("" for the whole endpoint)."""

    endpoint: EndpointConfig | None
    problems: Mapping[str, tuple[str, ...]]

    @property
    def ok(self) -> bool:
        return self.endpoint is not None


def check_endpoint(kind: ConnectorKind, side: Side, auth: str, values: Mapping[str, Any]) -> EndpointCheck:
    """Validate the inputs against the kind's endpoint model; each problem is put under the input it is about."""
    model = endpoint_model(kind.name, side)
    doc = endpoint_document(kind, auth, values)
    try:
        data: Any = model.model_validate(doc)
    except ValidationError as exc:
        problems: dict[str, list[str]] = {}
        for error in merged_errors(model, exc.errors(include_url=False)):
            path = path_of(model, error["loc"])
            key = path if path in ("url", "auth") or path.startswith("options.") else ""
            key = ".".join(key.split(".")[:2])
            message = describe(model, error)
            needed = _NEEDS.search(message) if not key else None
            if needed:  # the auth kind's check of a setting it cannot do without: shown at that setting
                key, message = f"options.{needed.group(1)}", "required"
            problems.setdefault(key, []).append(message)
        return EndpointCheck(None, {k: tuple(v) for k, v in problems.items()})
    endpoint = EndpointConfig(
        side=side, kind=data.kind, url=data.url.strip(), auth=data.auth, batch_size=data.batch_size,
        timeout=float(data.timeout), retries=data.retries, log_level=data.log_level,
        clock_offset_s=float(data.clock_offset_s),
        options=data.options.model_dump(mode="json", by_alias=True, exclude_unset=True))
    return EndpointCheck(endpoint, {})
