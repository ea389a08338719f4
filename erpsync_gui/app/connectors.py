"""Building connectors from endpoint settings and the secrets they need, through the kinds catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from erpsync_gui.config.kinds import connector_kind
from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ConfigError
from erpsync_gui.http.auth_kinds import SecretSpec
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.secrets import EndpointSecrets, SecretStore


def needed_secrets(profile: ProfileConfig, endpoint: EndpointConfig) -> tuple[SecretSpec, ...]:
    """The keyring entries this endpoint of this profile uses (only those)."""
    entities = [e.entity for e in profile.entities if e.enabled]
    return connector_kind(endpoint.kind).needed_secrets(endpoint, entities)


def endpoint_secrets(profile: ProfileConfig, endpoint: EndpointConfig, secrets: SecretStore) -> EndpointSecrets:
    """The endpoint's secrets from the keyring; a required one that is missing is a ConfigError."""
    values: dict[str, str] = {}
    for spec in needed_secrets(profile, endpoint):
        if spec.required:
            values[spec.name] = secrets.require(profile.name, endpoint.side, spec.name)
        else:
            value = secrets.get(profile.name, endpoint.side, spec.name)
            if value is not None:
                values[spec.name] = value
    # a dict that can also write rotated OAuth2 tokens back to the keyring
    return secrets.endpoint(profile.name, endpoint.side, values)


def build_connector(profile: ProfileConfig, endpoint: EndpointConfig, secrets: SecretStore) -> Connector:
    kind = connector_kind(endpoint.kind)
    if endpoint.side not in kind.sides:
        sides = " or ".join(s.value.upper() for s in kind.sides)
        raise ConfigError(f"{kind.label} cannot be the {endpoint.side.value.upper()} side",
                          hint=f"it is a {sides} system")
    return kind.build(endpoint, endpoint_secrets(profile, endpoint, secrets))


def reads_over_network(endpoint: EndpointConfig) -> bool:
    """True for a kind that reads from a system over HTTP: a run asks for its next page while it writes the
    current one (app.read_ahead); a database read is local work, with no wait to overlap."""
    return connector_kind(endpoint.kind).http


def secret_names(profile: ProfileConfig, endpoint: EndpointConfig) -> Sequence[str]:
    return [spec.name for spec in needed_secrets(profile, endpoint)]
