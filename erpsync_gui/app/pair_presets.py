"""Pair presets: a whole profile for a known CRM and ERP pair, registered by (crm kind, erp kind), used by
`erpsync profile new --preset NAME` and by the setup wizard when those two systems are chosen.

A preset sets what a deployment of the pair agrees on (directions, policies, match keys, field rows, the
webhook receiver); the site's own values (addresses, users, codes) come in as `PresetInputs`. Secrets are
never part of it: the admin stores them afterwards (`erpsync secret set`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side


@dataclass(frozen=True)
class PresetInputs:
    """What only the site knows: the profile's name, both addresses and users, and option overrides."""

    name: str
    crm_url: str
    crm_username: str
    erp_url: str
    erp_username: str
    #: dotted option paths -> values, laid over the preset's options ("pre_invoice.codevaseteh": "31")
    crm_options: Mapping[str, Any] = field(default_factory=dict)
    erp_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PairPreset:
    name: str
    crm_kind: str
    erp_kind: str
    title: str
    #: what the preset sets up, one line each, for the CLI's output and the wizard
    summary: tuple[str, ...]
    build: Callable[[PresetInputs], ProfileConfig]
    #: the summary in one line (the wizard's room is small)
    short: str = ""
    #: option paths the site should set, with why (shown after `profile new` when they are left out)
    site_options: Mapping[str, str] = field(default_factory=dict)


#: Payamgostar's customerNumber is "100-" + (Siagh Code + 1000) at the site this preset was written for;
#: the relation is site-specific, so it is a mapping transform (editable on the Mappings page), not code
CUSTOMER_NUMBER = {"crm": "customerNumber", "erp": "Code", "type": "text", "transform": ["remove_prefix:100-",
                                                                                          "add:-1000"]}
PG_SIAGH_CLIENTS = (
    {"crm": "nickName", "erp": "Name", "type": "text"},
    CUSTOMER_NUMBER,
    {"crm": "nationalCode", "erp": "NationalCode", "type": "text"},
    {"crm": "email", "erp": "Email", "type": "text"},
    {"crm": "identityType", "erp": "TowardType", "type": "picklist", "value_map": {"1": False, "2": True}},
)
PG_SIAGH_ORDERS = (
    {"crm": "identityId", "erp": "codemoshtari", "type": "lookup", "lookup": "clients"},
    {"crm": "subject", "erp": "tozihat", "type": "text"},
    {"crm": "details", "erp": "lines", "type": "lines", "fields": [
        {"crm": "productCode", "erp": "codekala", "type": "text"},
        {"crm": "productUnitTypeName", "erp": "nameunit", "type": "text"},
        {"crm": "count", "erp": "qty", "type": "number"},
        {"crm": "baseUnitPrice", "erp": "price", "type": "number"},
        {"crm": "totalDiscount", "erp": "mabtakhfif", "type": "number"},
    ]},
)
POLL_MINUTES = 5.0


def _payamgostar_siagh(inputs: PresetInputs) -> ProfileConfig:
    webhook = {"enabled": True, "kind": "payamgostar", "poll_minutes": POLL_MINUTES,
               "entities": {"Identity": "clients", "Quote": "orders"}}
    crm_options = overlay({"username": inputs.crm_username, "webhook": webhook}, inputs.crm_options)
    erp_options = overlay({"username": inputs.erp_username}, inputs.erp_options)
    crm = EndpointConfig(Side.CRM, "payamgostar", inputs.crm_url, auth="session", options=crm_options)
    erp = EndpointConfig(Side.ERP, "siagh", inputs.erp_url, auth="session", options=erp_options)
    clients = EntityConfig("clients", direction=Direction.EXPORT, first_direction=Direction.IMPORT,
                           policy="crm_wins", match_keys=("customerNumber",), fields=PG_SIAGH_CLIENTS)
    # pre-invoices can only be created in Siagh: quotes go one way, and a quote whose customer is not linked
    # yet fails for itself and is retried by the next whole run, which the poll makes after the clients'
    orders = EntityConfig("orders", direction=Direction.EXPORT, policy="crm_wins", fields=PG_SIAGH_ORDERS)
    return ProfileConfig(inputs.name, crm, erp, entities=(clients, orders))


PAYAMGOSTAR_SIAGH = PairPreset(
    name="payamgostar-siagh", crm_kind="payamgostar", erp_kind="siagh", title="Payamgostar CRM and Siagh Finance",
    summary=(
        "clients: a one-time initial import Finance → CRM linking by customer number, then CRM → Finance "
        "(Finance edits are skipped: crm_wins)",
        "quotes → pre-invoices, CRM → Finance only; a quote whose customer is not linked yet waits for the next "
        "client sync",
        f"the webhook receiver on, with polling every {POLL_MINUTES:g} minutes for what webhooks miss",
    ),
    build=_payamgostar_siagh,
    short="Clients imported from Finance once (by customer number), then CRM → Finance; quotes → pre-invoices; "
          f"webhooks, with polling every {POLL_MINUTES:g} minutes.",
    site_options={
        "erp.pre_invoice.codemarkazforush": "the sales centre code: Siagh refuses a pre-invoice without one",
        "erp.pre_invoice.codevaseteh": "the intermediary code: Siagh refuses a pre-invoice without one",
        "crm.person_type_code": "this tenant's crmObjectTypeCode of people (the connection Test lists the codes)",
        "crm.organization_type_code": "this tenant's crmObjectTypeCode of organizations",
        "crm.webhook.host": "the LAN address the CRM calls (127.0.0.1 reaches only this PC)",
        "crm.webhook.allow": "the CRM server's address, allowed to call the receiver",
    },
)

#: every pair preset by name
PAIR_PRESETS: dict[str, PairPreset] = {PAYAMGOSTAR_SIAGH.name: PAYAMGOSTAR_SIAGH}


def preset_named(name: str) -> PairPreset:
    preset = PAIR_PRESETS.get(name)
    if preset is None:
        raise ConfigError(f"there is no preset {name!r}", hint=f"known presets: {', '.join(PAIR_PRESETS)}")
    return preset


def preset_for(crm_kind: str, erp_kind: str) -> PairPreset | None:
    """The preset of a CRM and ERP pair, when the pair has one."""
    return next((p for p in PAIR_PRESETS.values() if (p.crm_kind, p.erp_kind) == (crm_kind, erp_kind)), None)


def overlay(base: Mapping[str, Any], paths: Mapping[str, Any]) -> dict[str, Any]:
    """`base` (deep-copied) with each dotted path set to its value ("webhook.host": "192.168.1.5")."""
    out = copy.deepcopy(dict(base))
    for path, value in paths.items():
        parts = [p for p in path.split(".") if p]
        if not parts:
            raise ConfigError(f"option {path!r} names no setting")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `over` laid on it, tables merged key by key (the wizard's options over the preset's)."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def applied(preset: PairPreset, name: str, crm: EndpointConfig, erp: EndpointConfig) -> ProfileConfig:
    """The preset's profile on two endpoints set up elsewhere (the wizard's forms): their settings and options
    win, the preset adds what it sets (the webhook receiver, directions, mappings)."""
    built = preset.build(PresetInputs(name, crm.url, str(crm.options.get("username", "")), erp.url,
                                      str(erp.options.get("username", ""))))
    return dataclasses.replace(
        built, crm=dataclasses.replace(crm, options=merged(built.crm.options, crm.options)),
        erp=dataclasses.replace(erp, options=merged(built.erp.options, erp.options)))


def missing_site_options(preset: PairPreset, profile: ProfileConfig) -> dict[str, str]:
    """The site options the profile leaves at their preset value or unset, with why each matters."""
    out = {}
    for path, why in preset.site_options.items():
        side, *rest = path.split(".")
        node: Any = profile.endpoint(Side(side)).options
        for part in rest:
            node = node.get(part) if isinstance(node, dict) else None
        if node in (None, "", []):
            out[path] = why
    return out
