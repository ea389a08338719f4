"""Building connectors from endpoint settings and the secrets they need."""

from __future__ import annotations

from collections.abc import Callable

from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.secrets import SecretStore

#: secrets without which an endpoint cannot work, by auth kind
_REQUIRED = {"bearer": ("token",), "api_key": ("token",), "basic": ("password",), "session": ("password",)}


def _rest(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.rest_erp import RestErpConnector

    return RestErpConnector(endpoint, secrets)


def _sql(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.sql_db import SqlConnector

    return SqlConnector(endpoint, secrets)


def _tryton(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.tryton import TrytonConnector

    return TrytonConnector(endpoint, secrets)


def _sap_b1(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.sap_b1 import SapB1Connector

    return SapB1Connector(endpoint, secrets)


def _tally(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.tally import TallyConnector

    return TallyConnector(endpoint, secrets)


def _zoho(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.zoho import ZohoConnector

    return ZohoConnector(endpoint, secrets)


def _quickbooks(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.quickbooks import QuickBooksConnector

    return QuickBooksConnector(endpoint, secrets)


def _siagh(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.siagh import SiaghConnector

    return SiaghConnector(endpoint, secrets)


def _payamgostar(endpoint: EndpointConfig, secrets: dict[str, str]) -> Connector:
    from erpsync_gui.connectors.payamgostar import PayamgostarConnector

    return PayamgostarConnector(endpoint, secrets)


#: connector kinds by name; each module is imported only when a profile uses it
FACTORIES: dict[str, Callable[[EndpointConfig, dict[str, str]], Connector]] = {
    "rest": _rest,
    "sql": _sql,
    "tryton": _tryton,
    "sap_b1": _sap_b1,
    "tally": _tally,
    "zoho": _zoho,
    "quickbooks": _quickbooks,
    "siagh": _siagh,
    "payamgostar": _payamgostar,
}


def endpoint_secrets(profile: ProfileConfig, endpoint: EndpointConfig, secrets: SecretStore) -> dict[str, str]:
    """The endpoint's secrets from the keyring; a required one that is missing is a ConfigError."""
    values: dict[str, str] = {}
    required = _REQUIRED.get(endpoint.auth, ())
    for name in endpoint.secret_names():
        if name in required:
            values[name] = secrets.require(profile.name, endpoint.side, name)
        else:
            value = secrets.get(profile.name, endpoint.side, name)
            if value is not None:
                values[name] = value
    # a dict that can also write rotated OAuth2 tokens back to the keyring
    return secrets.endpoint(profile.name, endpoint.side, values)


def build_connector(profile: ProfileConfig, endpoint: EndpointConfig, secrets: SecretStore) -> Connector:
    factory = FACTORIES.get(endpoint.kind)
    if factory is None:
        raise ConfigError(f"Unknown connector kind {endpoint.kind!r} for the {endpoint.side.value.upper()} side",
                          hint=f"use one of {', '.join(FACTORIES)}")
    return factory(endpoint, endpoint_secrets(profile, endpoint, secrets))
