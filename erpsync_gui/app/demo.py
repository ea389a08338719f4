"""The demo profile: the sandbox ERP and a demo CRM database (a subset of stock Perfex 2.7.3 with the tables of
the advanced entities), wired together with the default mappings, so a newcomer can sync within a minute."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from erpsync_gui.app.sandbox_host import SANDBOX_URL
from erpsync_gui.entities import spec
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.mapping.value_fill import propose_value_map
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Side
from erpsync_gui.sandbox.tokens import DEMO_SECRETS
from erpsync_gui.secrets import DEMO_PROFILE, SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store

#: every entity of the catalogue in dependency order (lookups point at entities synced before them): the demo CRM
#: has a table for each (the smartcrm preset)
ALL_DEMO_ENTITIES = ("currencies", "units", "warehouses", "client_groups", "clients", "contacts", "leads",
                     "projects", "tickets", "product_groups", "products", "stock", "discount_grids", "invoices",
                     "payments", "orders")
#: the entities of the demo profile: all of them
DEMO_ENTITIES = ALL_DEMO_ENTITIES
#: ERP currency id -> CRM currency id (RON, EUR, USD, IRR): the demo CRM holds them under the ERP's ids, as
#: `erpsync_gui.app.currency_proposal` would propose from the two currency lists
DEMO_CURRENCY_MAPPING = {"1": 1, "2": 2, "3": 3, "4": 4}
#: the demo CRM's tables are those of the smartcrm preset
DEMO_PRESET = "smartcrm"
log = logging.getLogger(__name__)

_POLICIES = {"clients": "crm_wins", "contacts": "crm_wins", "leads": "newest_wins", "tickets": "newest_wins"}


def demo_profile(data_dir: Path, entities: tuple[str, ...] = DEMO_ENTITIES) -> ProfileConfig:
    """The demo profile with `entities` (in dependency order), each with its default mapping."""
    crm_path = data_dir / "demo" / "crm.sqlite"
    return ProfileConfig(
        name=DEMO_PROFILE,
        demo=True,
        crm=EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm_path.as_posix()}", options={"preset": DEMO_PRESET}),
        erp=EndpointConfig(Side.ERP, "rest", SANDBOX_URL, auth="bearer", options={"paging": "cursor"}),
        entities=tuple(
            EntityConfig(
                entity=name,
                direction=spec(name).default_direction,
                policy=_POLICIES.get(name, "erp_wins"),
                match_keys=tuple(default_match_keys(name, DEMO_PRESET)),
                fields=tuple(default_fields(name, DEMO_PRESET) + (place_rows() if name == "clients" else [])),
                currency_mapping=dict(DEMO_CURRENCY_MAPPING),
            )
            for name in entities
        ),
        schedule=Schedule(enabled=False, interval_hours=4, entities=entities),
    )


def place_rows() -> list[dict[str, Any]]:
    """The clients' county and locality as the demo CRM's ids (tblclients.county_id, locality_id): lookup value
    maps proposed from the CRM's rows and the names the ERP's clients use (the sandbox's, and the demo CRM's own
    once exported), as the mapping editor's fill would. ERP -> CRM only: the ERP keeps the names. A name the map
    lacks is id 0 ("none") and the client syncs: the name itself is kept in state / city."""
    from erpsync_gui.sandbox import demo_crm, seed_data
    from erpsync_gui.sandbox.demo_places import COUNTIES, LOCALITIES, county_label

    places = [(p[0], p[1]) for p in seed_data.PLACES] + [(p[0], p[1]) for p in demo_crm.PLACES]
    counties = propose_value_map({str(i): county_label(code, name) for i, code, name in COUNTIES},
                                 [county for _, county in places])
    localities = propose_value_map({str(i): name for i, _, name in LOCALITIES}, [city for city, _ in places])
    # a name the map lacks is id 0, "none" as Perfex writes it for a country: the name itself stays in state / city
    return [{"crm": "county_id", "erp": "county", "type": "picklist", "direction": "import", "value_map": counties,
             "default": "0"},
            {"crm": "locality_id", "erp": "city", "type": "picklist", "direction": "import",
             "value_map": localities, "default": "0"}]


def setup_demo(store: Store, secrets: SecretStore, data_dir: Path) -> ProfileConfig:
    """Create (or refresh) the demo CRM database, the sandbox's data file and the demo profile; a demo profile an
    older version saved is brought up to this version's (see `refreshed_demo`)."""
    from erpsync_gui.sandbox.demo_crm import create_demo_crm
    from erpsync_gui.sandbox.seed_data import overlap_clients

    demo_dir = data_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    create_demo_crm(demo_dir / "crm.sqlite", overlap_clients(25))
    if secrets.available():
        for key, value in DEMO_SECRETS.items():
            side, name = key.split(".")
            if not secrets.has(DEMO_PROFILE, side, name):
                secrets.set(DEMO_PROFILE, side, name, value)
    repo = ConfigRepo(store)
    current = demo_profile(data_dir)
    if DEMO_PROFILE not in {p.name for p in repo.list_profiles()}:
        return repo.save_profile(current)
    saved = repo.get_profile(DEMO_PROFILE)
    if not saved.demo:
        log.warning("the profile %r is the person's own, not the demo's: the demo leaves it as it is", DEMO_PROFILE)
        return saved
    wanted = refreshed_demo(saved, current)
    # saved only when it changed: a save announces a profile change to the running window and scheduler
    return saved if wanted == saved else repo.save_profile(wanted)


def refreshed_demo(saved: ProfileConfig, current: ProfileConfig) -> ProfileConfig:
    """The demo profile as this version makes it (entities, mappings, endpoints), in place of `saved` (same id:
    the demo's runs, links and cursors stay), keeping what the person set or measured: the schedule's timing and
    each endpoint's clock offset."""
    schedule = dataclasses.replace(saved.schedule, entities=current.schedule.entities)
    return dataclasses.replace(
        current, id=saved.id, schedule=schedule,
        crm=dataclasses.replace(current.crm, clock_offset_s=saved.crm.clock_offset_s),
        erp=dataclasses.replace(current.erp, clock_offset_s=saved.erp.clock_offset_s))
