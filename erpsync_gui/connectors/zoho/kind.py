"""Zoho CRM's catalogue entry (API v8, OAuth2 sign-in per data centre)."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.zoho.options import ZohoOptions
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="zoho", label="Zoho CRM",
    description="Zoho CRM accounts, contacts, leads, deals, products, quotes and invoices (API v8)",
    presets="erpsync_gui.connectors.zoho.presets:presets",
    icon="kind-cloud", sides=frozenset({Side.CRM}), options=ZohoOptions,
    factory="erpsync_gui.connectors.zoho:ZohoConnector", auth_kinds=("oauth2",), default_auth="oauth2",
    url_label="API server", url_placeholder="https://www.zohoapis.com",
    form=(FormField("url", "API server", "your data centre's API server (the sign-in tells it too)",
                    "https://www.zohoapis.eu", required=True),
          FormField("client_id", "Client ID", "from the Zoho API console (a server-based or self client)",
                    required=True),
          FormField("accounts_server", "Accounts server", "your data centre's accounts server",
                    "https://accounts.zoho.eu"),
          FormField("secret:client_secret", "Client secret", "from the Zoho API console")),
)
