"""The catalogue of connector kinds: each connector declares its entry (a `KIND` in its package's `kind.py`,
or in a `<name>_kind.py` module for the flat ones) and is found here, not listed. An entry says what the
system is called, which side it can be, its options model, the auth kinds it takes, the secrets it needs,
how its URL looks and how its connector is built; the connection wizard, the profile model and the
connector factory all read it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from erpsync_gui.errors import ConfigError
from erpsync_gui.http.auth_kinds import AUTH_KINDS, CERT_PASSWORD, SecretSpec
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side

if TYPE_CHECKING:
    from erpsync_gui.connectors.base import Connector


@dataclass(frozen=True)
class FormField:
    """One setting of a connection as the wizard asks for it, in the system's own words."""

    #: "url", an option key, or "secret:<name>"
    key: str
    label: str
    help: str = ""
    placeholder: str = ""
    required: bool = False


#: whether an endpoint needs a secret, given its settings and the entities the profile syncs
SecretCondition = Callable[[EndpointConfig, Sequence[str]], bool]


@dataclass(frozen=True)
class ConnectorKind:
    name: str
    label: str
    description: str
    #: an icon of resources/icons
    icon: str
    sides: frozenset[Side]
    #: the connector's own options (the HTTP and auth options sit beside them for HTTP kinds)
    options: type[BaseModel]
    #: "module:Class" of the connector, imported only when a profile uses the kind
    factory: str
    http: bool = True
    auth_kinds: tuple[str, ...] = ("none",)
    default_auth: str = "none"
    #: secrets beyond the auth kind's (a client token, a database password)
    secrets: tuple[SecretSpec, ...] = ()
    #: when a secret of `secrets` is needed at all (default: always)
    secret_when: Mapping[str, SecretCondition] = field(default_factory=dict)
    #: what the URL is: an http(s) address, or a database URL (SQLAlchemy)
    url: Literal["http", "database"] = "http"
    url_label: str = "URL"
    url_placeholder: str = ""
    form: tuple[FormField, ...] = ()
    #: "module:function" giving the kind's default mappings: `(EndpointConfig) -> KindPresets | None`, which of
    #: its fields hold the product's common fields per entity (erpsync_gui.mapping.presets); the pair's
    #: mappings are composed from both sides' (erpsync_gui.config.presets.pair_mappings)
    presets: str | None = None

    def build(self, endpoint: EndpointConfig, secrets: Mapping[str, str]) -> Connector:
        module, _, attr = self.factory.partition(":")
        cls: Any = getattr(importlib.import_module(module), attr)
        return cls(endpoint, secrets)

    def needed_secrets(self, endpoint: EndpointConfig, entities: Sequence[str] = ()) -> tuple[SecretSpec, ...]:
        """The keyring entries this endpoint uses, by its auth kind and settings (never more)."""
        specs = list(AUTH_KINDS[endpoint.auth].secrets) if endpoint.auth in AUTH_KINDS else []
        for spec in self.secrets:
            condition = self.secret_when.get(spec.name)
            if condition is None or condition(endpoint, entities):
                specs.append(spec)
        if self.http and ((endpoint.options or {}).get("client_cert") or endpoint.auth == "client_cert"):
            specs.append(CERT_PASSWORD)
        return tuple(dict((s.name, s) for s in specs).values())


_KINDS: dict[str, ConnectorKind] = {}
#: every connector module has been looked at (until then `_KINDS` may hold only the kinds asked for by name)
_SCANNED = False
_LOCK = threading.Lock()
_PACKAGE = "erpsync_gui.connectors"
#: a kind's name is also its module's: `<name>/kind.py` or `<name>_kind.py`
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")


def kinds() -> Mapping[str, ConnectorKind]:
    """Every connector kind, found among the connector modules (imported once)."""
    global _SCANNED
    with _LOCK:
        if not _SCANNED:
            import erpsync_gui.connectors as package

            found: list[ConnectorKind] = []
            for info in pkgutil.iter_modules(package.__path__):
                name = f"{package.__name__}.{info.name}"
                if info.ispkg:
                    try:
                        module = importlib.import_module(f"{name}.kind")
                    except ModuleNotFoundError as exc:
                        if exc.name != f"{name}.kind":
                            raise
                        continue
                elif info.name.endswith("_kind"):
                    module = importlib.import_module(name)
                else:
                    continue
                found.append(module.KIND)
            # in name order, also when some were already asked for by name
            ordered = {k.name: k for k in sorted(found, key=lambda k: k.name)}
            ordered.update((n, k) for n, k in _KINDS.items() if n not in ordered)
            _KINDS.clear()
            _KINDS.update(ordered)
            _SCANNED = True
        return dict(_KINDS)


def kind_named(name: str) -> ConnectorKind | None:
    """One kind by its name, or None when there is none. Before the whole catalogue is needed, only that kind's
    own module is imported: a run uses two kinds, and importing every connector costs a quarter of a second."""
    with _LOCK:
        if name in _KINDS or _SCANNED:
            return _KINDS.get(name)
        if not _KIND_NAME.match(name):
            return None
        for module_name in (f"{_PACKAGE}.{name}.kind", f"{_PACKAGE}.{name}_kind"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                # only the kind's own module may be missing; a connector that fails to import says so
                missing = exc.name or ""
                if not (missing.startswith(f"{_PACKAGE}.") and f"{module_name}.".startswith(f"{missing}.")):
                    raise
                continue
            kind = getattr(module, "KIND", None)
            if isinstance(kind, ConnectorKind) and kind.name == name:
                _KINDS[name] = kind
                return kind
        return None


def register_kind(kind: ConnectorKind) -> None:
    """Add (or replace) a kind beside the ones found among the connector modules (a plugin, a test's
    in-memory system); the models built from the catalogue are built again."""
    kinds()
    with _LOCK:
        _KINDS[kind.name] = kind
    from erpsync_gui.config.endpoint import endpoint_model
    from erpsync_gui.config.profile_model import profile_model

    endpoint_model.cache_clear()
    profile_model.cache_clear()


def connector_kind(name: str) -> ConnectorKind:
    kind = kind_named(name)
    if kind is not None:
        return kind
    known = kinds()
    try:
        return known[name]
    except KeyError:
        raise ConfigError(f"unknown connector kind {name!r}", hint=f"use one of {', '.join(known)}") from None
