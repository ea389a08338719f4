"""QuickBooks Online's catalogue entry (Accounting API v3, OAuth2 sign-in, one company per realm)."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.quickbooks.options import QuickBooksOptions
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="quickbooks", label="QuickBooks Online",
    description="QuickBooks Online customers, items, invoices, payments and estimates (Accounting API v3)",
    presets="erpsync_gui.connectors.quickbooks.presets:presets",
    icon="kind-cloud", sides=frozenset({Side.ERP}), options=QuickBooksOptions,
    factory="erpsync_gui.connectors.quickbooks:QuickBooksConnector", auth_kinds=("oauth2",),
    default_auth="oauth2", url_label="API host", url_placeholder="https://quickbooks.api.intuit.com",
    form=(FormField("url", "API host", "https://quickbooks.api.intuit.com, or the sandbox host",
                    "https://quickbooks.api.intuit.com", required=True),
          FormField("client_id", "Client ID", "your Intuit app's client id", required=True),
          FormField("realm_id", "Realm ID", "the company's id; the sign-in fills it in"),
          FormField("secret:client_secret", "Client secret", "your Intuit app's client secret", required=True)),
)
