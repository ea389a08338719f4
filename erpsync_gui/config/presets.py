"""The default mappings of a pair of endpoints, from their kinds' declarations (ConnectorKind.presets).

A kind's `presets` names a function `(EndpointConfig) -> KindPresets | None` (the endpoint says, for instance,
which table preset a SQL database follows). When either side declares nothing, the pair gets the product's
default mappings (made for a Perfex CRM and the generic REST ERP), as before kinds declared their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from erpsync_gui.config.kinds import connector_kind
from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.mapping.presets import KindPresets, PairMapping, compose
from erpsync_gui.profile import EndpointConfig

PresetsFunction = Callable[[EndpointConfig], KindPresets | None]


def kind_presets(endpoint: EndpointConfig) -> KindPresets | None:
    """What the endpoint's kind declares for this endpoint (None: nothing)."""
    target = connector_kind(endpoint.kind).presets
    if not target:
        return None
    module, _, attr = target.partition(":")
    try:
        function = cast(PresetsFunction, getattr(importlib.import_module(module), attr))
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"the presets {target!r} of the connector kind {endpoint.kind!r} cannot be loaded",
                          hint=str(exc)) from None
    return function(endpoint)


def product_mappings() -> dict[str, PairMapping]:
    """The product's default mappings, for a pair where a side declares none."""
    from erpsync_gui.entities import ENTITIES

    return {name: PairMapping(name, tuple(rows), tuple(default_match_keys(name)))
            for name in ENTITIES if (rows := default_fields(name))}


def pair_mappings(crm: EndpointConfig, erp: EndpointConfig) -> dict[str, PairMapping]:
    """Per entity both sides offer, its composed default mapping, in the product's entity order."""
    crm_presets, erp_presets = kind_presets(crm), kind_presets(erp)
    if crm_presets is None or erp_presets is None:
        return product_mappings()
    return compose(crm_presets, erp_presets)
