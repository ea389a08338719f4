"""The generic REST connector's default mappings: its fields are the product's common names (see
erpsync_gui.mapping.presets), so it holds each one under its own name."""

from __future__ import annotations

from erpsync_gui.mapping.presets import KindPresets
from erpsync_gui.mapping.product_presets import rest_erp_presets
from erpsync_gui.profile import EndpointConfig


def presets(endpoint: EndpointConfig) -> KindPresets:
    return rest_erp_presets()
