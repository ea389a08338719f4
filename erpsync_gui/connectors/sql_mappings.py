"""The SQL connector's default mappings: the Perfex tables' declaration (see erpsync_gui.mapping.presets) for
the perfex and smartcrm table presets; smartcrm's clients also keep the ERP's customer number. A database
of no known preset declares nothing (the pair then gets the product's defaults)."""

from __future__ import annotations

from erpsync_gui.connectors.sql_options import SqlOptions
from erpsync_gui.mapping.presets import KindPresets
from erpsync_gui.mapping.product_presets import TABLE_PRESETS, perfex_presets
from erpsync_gui.profile import EndpointConfig


def presets(endpoint: EndpointConfig) -> KindPresets | None:
    preset = (endpoint.options or {}).get("preset", SqlOptions.model_fields["preset"].default)
    return perfex_presets(preset) if preset in TABLE_PRESETS else None
