"""Tally Prime's catalogue entry (XML over HTTP on the office LAN, no sign-in)."""

from __future__ import annotations

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.tally.options import TallyOptions
from erpsync_gui.records import Side

KIND = ConnectorKind(
    name="tally", label="Tally Prime",
    description="Tally Prime ledgers, stock items, godowns and vouchers (XML over HTTP, port 9000)",
    presets="erpsync_gui.connectors.tally.presets:presets",
    icon="kind-erp", sides=frozenset({Side.ERP}), options=TallyOptions,
    factory="erpsync_gui.connectors.tally:TallyConnector",
    url_label="Tally address", url_placeholder="http://tally-pc:9000",
    form=(FormField("url", "Tally address", "the PC running Tally with its XML server on, port 9000",
                    "http://tally-pc:9000", required=True),
          FormField("company", "Company", "the company that must be open in Tally", required=True)),
)
