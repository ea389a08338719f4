"""Payamgostar CRM's catalogue entry (its v2 API on the office LAN)."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.payamgostar.options import PayamgostarOptions
from erpsync_gui.http.auth_kinds import SecretSpec
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="payamgostar", label="Payamgostar CRM",
    description="Payamgostar CRM people, organizations and sales quotes (API v2)",
    presets="erpsync_gui.connectors.payamgostar.presets:presets",
    icon="kind-erp", sides=frozenset({Side.CRM}), options=PayamgostarOptions,
    factory="erpsync_gui.connectors.payamgostar:PayamgostarConnector",
    auth_kinds=("session",), default_auth="session",
    secrets=(SecretSpec("password", "Password", help="the CRM user's password"),),
    url_label="CRM address", url_placeholder="http://crm.office.local/",
    form=(FormField("url", "CRM address", "where Payamgostar answers on the LAN", "http://crm.office.local/",
                    required=True),
          FormField("username", "User", "the CRM user ERPSync signs in as", required=True),
          FormField("secret:password", "Password", "that user's password", required=True),
          FormField("person_type_code", "Person type code", "this tenant's crmObjectTypeCode for people (Test "
                                                            "lists the codes found)")),
)
