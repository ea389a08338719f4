"""SAP Business One's catalogue entry (the Service Layer, v1 or v2, session login)."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.sap_b1.options import SapB1Options
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="sap_b1", label="SAP Business One",
    description="SAP Business One business partners, items, stock, orders, invoices and payments "
                "(Service Layer)",
    presets="erpsync_gui.connectors.sap_b1.presets:presets",
    icon="kind-erp", sides=frozenset({Side.ERP}), options=SapB1Options,
    factory="erpsync_gui.connectors.sap_b1:SapB1Connector", auth_kinds=("session",), default_auth="session",
    url_label="Service Layer URL", url_placeholder="https://sap.example.com:50000/b1s/v1",
    form=(FormField("url", "Service Layer URL", "ends in /b1s/v1 or /b1s/v2", "https://sap.example.com:50000/b1s/v1",
                    required=True),
          FormField("company_db", "Company database", "the company's database name, e.g. SBODEMOUS",
                    required=True),
          FormField("username", "User", "the SAP Business One user", required=True),
          FormField("secret:password", "Password", "that user's password", required=True)),
)
