"""The SQL connector's default mappings: the Perfex tables' declaration (see erpsync_gui.mapping.presets) for
the perfex and smartcrm table presets; smartcrm's clients also keep the ERP's customer number, and its orders and
product prices have rows of their own. A database
of no known preset declares nothing (the pair then gets the product's defaults)."""

from __future__ import annotations

from erpsync_gui.connectors.sql_options import SqlOptions
from erpsync_gui.mapping.presets import KindPresets
from erpsync_gui.mapping.product_presets import perfex_presets
from erpsync_gui.profile import EndpointConfig


def presets(endpoint: EndpointConfig) -> KindPresets | None:
    preset = (endpoint.options or {}).get("preset", SqlOptions.model_fields["preset"].default)
    if preset == "perfex":
        return perfex_presets()
    if preset == "smartcrm":
        return perfex_presets(customer_number=True, preset="smartcrm")
    return None
