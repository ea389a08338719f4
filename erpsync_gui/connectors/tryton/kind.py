"""Tryton's catalogue entry: a real open-source ERP reached over its JSON-RPC."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.tryton.options import TrytonOptions
from erpsync_gui.http.auth_kinds import SecretSpec
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="tryton", label="Tryton",
    description="The open-source ERP Tryton (parties, products, stock, sales, invoices) over JSON-RPC",
    icon="kind-erp", sides=frozenset({Side.ERP}), options=TrytonOptions,
    factory="erpsync_gui.connectors.tryton:TrytonConnector",
    auth_kinds=("session",), default_auth="session",
    secrets=(SecretSpec("password", "Password", help="the Tryton user's password"),),
    url_label="Server URL", url_placeholder="http://erp.example.com:8000/",
    presets="erpsync_gui.connectors.tryton.presets:presets",
    form=(FormField("url", "Server URL", "where trytond answers (the database may follow as the path)",
                    "http://erp.example.com:8000/", required=True),
          FormField("database", "Database", "the Tryton database to use", required=True),
          FormField("username", "User", "the Tryton user ERPSync signs in as", required=True),
          FormField("secret:password", "Password", "that user's password", required=True)),
)
