"""Profile settings as plain values: what the store persists, the config file carries and the engine reads.

No secrets here, ever: the kinds catalogue (erpsync_gui.config.kinds) and the auth kinds' registry
(erpsync_gui.http.auth_kinds) say which secrets an endpoint needs, and `secrets.py` fetches their values
from the OS keyring when a connector is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from erpsync_gui.records import Direction, Side

CONFLICT_POLICIES = ("crm_wins", "erp_wins", "newest_wins", "manual", "merge")
#: how the merge policy decides a field both sides changed: a side, the newer record, or a person
MERGE_RULES = ("crm_wins", "erp_wins", "newest_wins", "ask")
#: what a delete on one side does to the twin
ON_DELETE = ("ignore", "queue", "propagate")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class EndpointConfig:
    """One side of a profile: a connector kind and its settings."""

    side: Side
    #: a connector kind of the catalogue (erpsync_gui.config.kinds): "rest", "sql", "zoho", ...
    kind: str
    url: str
    auth: str = "none"
    batch_size: int = 50
    timeout: float = 30.0
    retries: int = 3
    log_level: str = "INFO"
    #: seconds this system's clock is ahead of this PC's (negative: behind), measured by a connection test
    #: where the system reports its time; modification times are corrected by it (newest_wins) and a CRM
    #: database without a clock of its own (SQLite) has our writes stamped in its time
    clock_offset_s: float = 0.0
    #: connector-specific settings (paging style, id field, preset, table names ...) and the HTTP ones
    #: (auth, TLS, proxy, rate limits, circuit breaker): see erpsync_gui/http/auth_factory.py
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EntityConfig:
    entity: str
    enabled: bool = True
    direction: Direction = Direction.BOTH
    policy: str = "crm_wins"
    #: CRM field names of the mapping used as natural keys, tried in order
    match_keys: tuple[str, ...] = ()
    #: field mapping rows (see erpsync_gui.mapping for the format)
    fields: tuple[dict[str, Any], ...] = ()
    #: {"<erp currency id>": <crm currency id>}, the seed's JSON form
    currency_mapping: dict[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    #: the name of this entity on each side when it differs (table, module or path)
    crm_name: str | None = None
    erp_name: str | None = None
    #: under the merge policy: the rule for a field both sides changed, unless its row sets its own
    merge_fallback: str = "ask"
    #: the mass-change brake: a run that would update or delete more than this share of the linked records,
    #: or more than `brake_records` records (whichever is smaller), is held before it writes
    brake_percent: float = 20.0
    brake_records: int = 500
    #: a run changing at most this many records is never held (a small entity could not sync a single edit
    #: unattended otherwise: one of four linked records is already 25%)
    brake_min: int = 10
    #: the first sync of the entity waits for a person to review its preview (off for a fleet of service
    #: profiles set up from a known-good template)
    review_first_sync: bool = True
    on_delete: str = "ignore"
    #: the direction of the entity's runs while it has never synced (no link, no cursor), then `direction`:
    #: a one-time initial import (ERP -> CRM) before the CRM becomes the source of truth (export)
    first_direction: Direction | None = None

    def name_on(self, side: Side) -> str:
        own = self.crm_name if side is Side.CRM else self.erp_name
        return own or self.entity


@dataclass(frozen=True)
class Schedule:
    enabled: bool = False
    interval_hours: float | None = 4
    cron: str | None = None
    #: e.g. "19:00-07:00"; empty means any time
    window: str | None = None
    #: e.g. ("mon", "tue", "wed", "thu", "fri"); empty means every day
    window_days: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProfileConfig:
    name: str
    crm: EndpointConfig
    erp: EndpointConfig
    entities: tuple[EntityConfig, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)
    #: True for the profile `erpsync demo` creates: its tokens are the sandbox's public demo tokens
    demo: bool = False
    id: int | None = None

    @property
    def stored_id(self) -> int:
        """The profile's id in the state database, which every profile read from the store has."""
        if self.id is None:
            from erpsync_gui.errors import ConfigError

            raise ConfigError(f"the profile {self.name!r} is not saved in the state database",
                              hint="save the profile first")
        return self.id

    def endpoint(self, side: Side) -> EndpointConfig:
        return self.crm if side is Side.CRM else self.erp

    def entity(self, name: str) -> EntityConfig:
        for cfg in self.entities:
            if cfg.entity == name:
                return cfg
        from erpsync_gui.errors import ConfigError

        configured = ", ".join(c.entity for c in self.entities) or "none"
        raise ConfigError(
            f"Entity {name!r} is not configured in profile {self.name!r}",
            hint=f"configured entities: {configured}",
        )
