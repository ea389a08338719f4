"""Siagh Finance's catalogue entry (its GeneralApi/BpmsApi on the office LAN)."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.siagh.options import SiaghOptions
from erpsync_gui.http.auth_kinds import SecretSpec
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="siagh", label="Siagh Finance",
    description="Siagh finance contacts and pre-invoices (GeneralApi and BpmsApi)",
    presets="erpsync_gui.connectors.siagh.presets:presets",
    icon="kind-erp", sides=frozenset({Side.ERP}), options=SiaghOptions,
    factory="erpsync_gui.connectors.siagh:SiaghConnector",
    auth_kinds=("session",), default_auth="session",
    secrets=(SecretSpec("password", "Password", help="the finance user's password (sent as its MD5)"),),
    url_label="Finance address", url_placeholder="http://siagh.office.local/",
    form=(FormField("url", "Finance address", "where Siagh answers on the LAN", "http://siagh.office.local/",
                    required=True),
          FormField("username", "User", "the finance user ERPSync signs in as", required=True),
          FormField("secret:password", "Password", "that user's password", required=True)),
)
