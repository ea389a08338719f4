"""The generic REST connector's catalogue entry (the SmartCRM dialect the built-in sandbox speaks). The
dialect is a CRM's own API, so either side may use it."""

from __future__ import annotations

from collections.abc import Sequence

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.rest_options import RestOptions
from erpsync_gui.entities import ENTITIES
from erpsync_gui.http.auth_kinds import SecretSpec
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side


def _advanced(endpoint: EndpointConfig, entities: Sequence[str]) -> bool:
    """The client token is for the advanced entities; a profile without them never needs one."""
    return not entities or any(ENTITIES[e].advanced for e in entities if e in ENTITIES)


KIND = ConnectorKind(
    name="rest", label="Generic REST API",
    description="A system with the SmartCRM REST API (index.php/api/…), as the built-in sandbox ERP",
    icon="kind-api", sides=frozenset({Side.CRM, Side.ERP}), options=RestOptions,
    factory="erpsync_gui.connectors.rest_erp:RestErpConnector",
    auth_kinds=("bearer", "api_key", "basic", "oauth2", "client_credentials", "session", "client_cert", "none"),
    default_auth="bearer",
    secrets=(SecretSpec("client_token", "Client token", required=False,
                        help="for products, prices, stock and the other advanced entities"),),
    secret_when={"client_token": _advanced},
    presets="erpsync_gui.connectors.rest_mappings:presets",
    url_label="API base URL", url_placeholder="https://erp.example.com/",
    form=(FormField("url", "API base URL", "the address the ERP's API answers at", "https://erp.example.com/",
                    required=True),
          FormField("secret:token", "Auth token", "the API token the ERP issued for ERPSync", required=True),
          FormField("secret:client_token", "Client token", "for products, prices, stock and the other advanced "
                                                           "entities")),
)
