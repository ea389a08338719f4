"""What the connection wizard has gathered so far, and the profile it makes of it. Nothing here is stored
until the wizard saves: then the secrets go to the keyring and the profile to the state database."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from erpsync_gui.app.pair_presets import PairPreset, applied, preset_for, preset_named
from erpsync_gui.config.convert import check
from erpsync_gui.config.presets import pair_mappings
from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping.presets import PairMapping
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Direction, Side
from erpsync_gui.secrets import SecretStore


@dataclass(frozen=True)
class EntityChoice:
    """One entity as the Entities step shows it: ticked or not, its direction and conflict policy."""

    entity: str
    enabled: bool
    direction: Direction
    policy: str


@dataclass
class WizardState:
    name: str = ""
    kinds: dict[Side, str] = field(default_factory=dict)
    endpoints: dict[Side, EndpointConfig] = field(default_factory=dict)
    secrets: dict[Side, dict[str, str]] = field(default_factory=dict)
    tested: dict[Side, CheckResult] = field(default_factory=dict)
    #: when each side's test in `tested` ended (stored with the profile as the endpoint's last test)
    tested_at: dict[Side, datetime] = field(default_factory=dict)
    entities: list[EntityChoice] = field(default_factory=list)
    #: ERP currency id -> CRM currency id, for every entity that carries amounts
    currency_mapping: dict[str, int | str] = field(default_factory=dict)
    schedule: Schedule = field(default_factory=lambda: Schedule(enabled=False))
    #: the pair preset the profile follows (erpsync_gui.app.pair_presets), None for the kinds' default mappings
    pair_preset: str | None = None
    #: a Perfex CRM's reference rows new records take (option of its perfex_defaults -> row id)
    perfex_defaults: dict[str, int] = field(default_factory=dict)

    def crm_endpoint(self) -> EndpointConfig:
        """The CRM's endpoint as saved: its tested settings with the reference rows chosen for a Perfex CRM."""
        crm = self.endpoints[Side.CRM]
        if not self.perfex_defaults:
            return crm
        chosen = {**dict(crm.options.get("perfex_defaults") or {}), **self.perfex_defaults}
        return dataclasses.replace(crm, options={**crm.options, "perfex_defaults": chosen})

    def offered_preset(self) -> PairPreset | None:
        """The preset of the two chosen systems, when the pair has one."""
        if Side.CRM not in self.kinds or Side.ERP not in self.kinds:
            return None
        return preset_for(self.kinds[Side.CRM], self.kinds[Side.ERP])

    def _preset_profile(self) -> ProfileConfig | None:
        if not self.pair_preset:
            return None
        self._need_endpoints()
        return applied(preset_named(self.pair_preset), self.name.strip() or "profile", self.crm_endpoint(),
                       self.endpoints[Side.ERP])

    def _need_endpoints(self) -> None:
        if Side.CRM not in self.endpoints or Side.ERP not in self.endpoints:
            raise ConfigError("Both sides need their connection settings first")

    def mappings(self) -> dict[str, PairMapping]:
        """The default mappings of the two chosen kinds, per entity both offer (their presets composed), or the
        pair preset's."""
        preset = self._preset_profile()
        if preset is not None:
            return {e.entity: PairMapping(e.entity, e.fields, e.match_keys, e.crm_name, e.erp_name)
                    for e in preset.entities}
        self._need_endpoints()
        return pair_mappings(self.endpoints[Side.CRM], self.endpoints[Side.ERP])

    def choice_for(self, entity: str) -> EntityChoice:
        """The starting choice of an entity: the pair preset's when one is used, else the product's default in
        the one direction the pair's records can flow, when they can flow only one way."""
        preset = self._preset_profile()
        if preset is not None:
            config = preset.entity(entity)
            return EntityChoice(entity, config.enabled, config.direction, config.policy)
        choice = default_choice(entity)
        only = self.only_direction(entity)
        return dataclasses.replace(choice, direction=only) if only is not None else choice

    def only_direction(self, entity: str) -> Direction | None:
        """The one direction the kinds' default mapping of `entity` allows (PairMapping.direction), None for
        either; a pair preset sets its own directions."""
        if self.pair_preset:
            return None
        mapping = self.mappings().get(entity)
        return mapping.direction if mapping is not None else None

    def profile(self) -> ProfileConfig:
        """The profile to save, checked by the typed model (ConfigError listing its problems)."""
        preset = self._preset_profile()
        if preset is not None:
            wanted = {c.entity for c in self.entities if c.enabled}
            kept = tuple(dataclasses.replace(e, currency_mapping=dict(self.currency_mapping)) if self.currency_mapping
                         else e for e in preset.entities if e.entity in wanted)
            return check(dataclasses.replace(
                preset, entities=kept,
                schedule=self._schedule(tuple(e.entity for e in preset.entities if e.entity in wanted))),
                f"profile {self.name.strip()!r}")
        mappings = self.mappings()
        chosen = [c for c in self.entities if c.enabled and c.entity in mappings]
        entities = tuple(EntityConfig(
            # records that can flow only one way are saved that way, whatever was chosen
            entity=c.entity, enabled=True, direction=mappings[c.entity].direction or c.direction, policy=c.policy,
            match_keys=mappings[c.entity].match_keys, fields=tuple(dict(r) for r in mappings[c.entity].fields),
            crm_name=mappings[c.entity].crm_name, erp_name=mappings[c.entity].erp_name,
            currency_mapping=dict(self.currency_mapping))
            for c in chosen)
        profile = ProfileConfig(name=self.name.strip(), crm=self.crm_endpoint(), erp=self.endpoints[Side.ERP],
                                entities=entities, schedule=self._schedule(tuple(c.entity for c in chosen)))
        return check(profile, f"profile {self.name.strip()!r}")

    def _schedule(self, entities: tuple[str, ...]) -> Schedule:
        schedule = self.schedule
        if schedule.enabled:
            return Schedule(enabled=True, interval_hours=schedule.interval_hours, window=schedule.window,
                            entities=entities)
        return schedule

    def store_secrets(self, store: SecretStore, profile: str) -> None:
        """Each side's typed secrets into the OS keyring, one write per side."""
        for side, values in self.secrets.items():
            if values:
                store.set_many(profile, side, dict(values))


def default_choice(entity: str, offered: bool = True) -> EntityChoice:
    """The starting choice of an entity: the product's default direction, and as policy the system that is
    the usual master of such records (the ERP for what is made there, the CRM for people and companies,
    the newest edit for work both sides change)."""
    spec = ENTITIES[entity]
    return EntityChoice(entity, offered and entity in ("clients", "contacts"), spec.default_direction,
                        recommended_policy(entity))


def recommended_policy(entity: str) -> str:
    spec = ENTITIES[entity]
    if spec.default_direction is Direction.IMPORT or entity in ("invoices", "payments", "products"):
        return "erp_wins"
    if entity in ("leads", "tickets", "projects"):
        return "newest_wins"
    return "crm_wins"
