"""Profiles in the state database: rows <-> erpsync_gui.profile dataclasses.

Saving replaces a profile's endpoints and entity configs with the given ones. Endpoint rows are
updated in place so a connection status survives a settings change of the same side.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from erpsync_gui.config.convert import check
from erpsync_gui.errors import ConfigError, StoreError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.change_notice import announce_profile_change
from erpsync_gui.store.db import Store
from erpsync_gui.store.models import EndpointRow, EntityConfigRow, ProfileRow
from erpsync_gui.timeutil import aware_utc

ENDPOINT_STATUSES = ("active", "error", "expired")
_NO_PROFILE_HINT = "run `erpsync demo` or `erpsync config import FILE`"


@dataclass(frozen=True)
class EndpointStatus:
    """What the last connection test, sign-in or run found of an endpoint; `tested_at` is when a connection
    test last ended with a verdict (None: never tested)."""

    status: str
    message: str | None
    tested_at: datetime | None = None


def _schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    data = dataclasses.asdict(schedule)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def _schedule_from_dict(data: dict[str, Any] | None) -> Schedule:
    names = {f.name for f in dataclasses.fields(Schedule)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in (data or {}).items() if k in names}
    return Schedule(**values)


def _endpoint_from_row(row: EndpointRow) -> EndpointConfig:
    return EndpointConfig(
        side=Side(row.side), kind=row.kind, url=row.url, auth=row.auth, batch_size=row.batch_size,
        timeout=row.timeout, retries=row.retries, log_level=row.log_level, options=dict(row.options or {}),
        clock_offset_s=row.clock_offset_s or 0.0,
    )


def _fill_endpoint(row: EndpointRow, cfg: EndpointConfig) -> None:
    row.kind, row.url, row.auth = cfg.kind, cfg.url, cfg.auth
    row.batch_size, row.timeout, row.retries = cfg.batch_size, float(cfg.timeout), cfg.retries
    row.log_level, row.options = cfg.log_level, dict(cfg.options)
    row.clock_offset_s = float(cfg.clock_offset_s or 0.0)


def _entity_from_row(row: EntityConfigRow) -> EntityConfig:
    return EntityConfig(
        entity=row.entity, enabled=row.enabled, direction=Direction(row.direction), policy=row.policy,
        match_keys=tuple(row.match_keys or ()), fields=tuple(dict(f) for f in row.fields or ()),
        currency_mapping=dict(row.currency_mapping or {}), batch_size=row.batch_size,
        crm_name=row.crm_name, erp_name=row.erp_name, **_safety_from(row.safety),
    )


def _safety_from(data: dict[str, Any] | None) -> dict[str, Any]:
    """The safety-net settings kept in the row's `safety` column (a row written before they existed has none)."""
    names = ("merge_fallback", "brake_percent", "brake_records", "brake_min", "on_delete", "review_first_sync")
    values = {name: value for name, value in (data or {}).items() if name in names}
    first = (data or {}).get("first_direction")
    if first:
        values["first_direction"] = Direction(first)
    return values


def _fill_entity(row: EntityConfigRow, cfg: EntityConfig, position: int) -> None:
    row.position, row.enabled, row.policy = position, cfg.enabled, cfg.policy
    row.direction = Direction(cfg.direction).value
    row.match_keys, row.fields = list(cfg.match_keys), [dict(f) for f in cfg.fields]
    row.currency_mapping, row.batch_size = dict(cfg.currency_mapping), cfg.batch_size
    row.crm_name, row.erp_name = cfg.crm_name, cfg.erp_name
    row.safety = {"merge_fallback": cfg.merge_fallback, "brake_percent": cfg.brake_percent,
                  "brake_records": cfg.brake_records, "brake_min": cfg.brake_min, "on_delete": cfg.on_delete,
                  "review_first_sync": cfg.review_first_sync,
                  "first_direction": Direction(cfg.first_direction).value if cfg.first_direction else None}


def profile_from_row(row: ProfileRow) -> ProfileConfig:
    """The dataclass form of a loaded profile row, checked against the typed model (a database written by
    an older version, or by hand, says what to fix instead of failing in the middle of a run)."""
    return check(_raw_profile(row), f"profile {row.name!r} in the state database")


def _raw_profile(row: ProfileRow) -> ProfileConfig:
    sides = {e.side: e for e in row.endpoints}
    missing = [s.value for s in Side if s.value not in sides]
    if missing:
        raise StoreError(f"Profile {row.name!r} has no {' and '.join(missing)} endpoint in the database")
    return ProfileConfig(
        name=row.name,
        crm=_endpoint_from_row(sides[Side.CRM.value]),
        erp=_endpoint_from_row(sides[Side.ERP.value]),
        entities=tuple(_entity_from_row(e) for e in sorted(row.entity_configs, key=lambda e: e.position)),
        schedule=_schedule_from_dict(row.schedule),
        demo=row.demo,
        id=row.id,
    )


class ConfigRepo:
    """Create, read, update and delete profiles."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save_profile(self, cfg: ProfileConfig) -> ProfileConfig:
        """Insert or update (by id when it has one, else by name); returns the saved profile with its id."""
        if cfg.crm.side is not Side.CRM or cfg.erp.side is not Side.ERP:
            raise ConfigError(f"Profile {cfg.name!r}: the crm endpoint must have side crm and erp side erp")
        names = [e.entity for e in cfg.entities]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"Profile {cfg.name!r} configures {', '.join(duplicates)} more than once")
        # a profile that cannot run is refused here, where a person is saving it, not at 3 a.m.: the typed
        # model checks every setting, then each mapping is built once as a run would build it
        cfg = check(cfg)
        for entity in cfg.entities:
            EntityMapping.from_config(entity)
        now = datetime.now(UTC)
        try:
            with self.store.session() as session:
                row = self._find_for_save(session, cfg)
                if row is None:
                    row = ProfileRow(name=cfg.name, created_at=now)
                    session.add(row)
                row.name, row.demo, row.updated_at = cfg.name, cfg.demo, now
                row.schedule = _schedule_to_dict(cfg.schedule)
                self._replace_children(session, row, cfg)
                announce_profile_change(session, cfg.name)
                session.commit()
                return profile_from_row(row)
        except IntegrityError as exc:
            raise ConfigError(f"A profile named {cfg.name!r} already exists") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"Saving profile {cfg.name!r} failed: {exc}") from exc

    @staticmethod
    def _find_for_save(session: Session, cfg: ProfileConfig) -> ProfileRow | None:
        if cfg.id is not None:
            row = session.get(ProfileRow, cfg.id)
            if row is not None:
                return row
        return session.scalars(select(ProfileRow).where(ProfileRow.name == cfg.name)).one_or_none()

    @staticmethod
    def _replace_children(session: Session, row: ProfileRow, cfg: ProfileConfig) -> None:
        by_side = {e.side: e for e in row.endpoints}
        for endpoint in (cfg.crm, cfg.erp):
            erow = by_side.get(endpoint.side.value)
            if erow is None:
                erow = EndpointRow(side=endpoint.side.value, status="active")
                row.endpoints.append(erow)
            _fill_endpoint(erow, endpoint)
        by_entity = {e.entity: e for e in row.entity_configs}
        wanted = {e.entity for e in cfg.entities}
        for stale in [e for e in row.entity_configs if e.entity not in wanted]:
            row.entity_configs.remove(stale)
        # deletes must reach the database before inserts that may reuse their (profile, entity) key
        session.flush()
        for position, entity in enumerate(cfg.entities):
            entity_row = by_entity.get(entity.entity)
            if entity_row is None:
                entity_row = EntityConfigRow(entity=entity.entity)
                row.entity_configs.append(entity_row)
            _fill_entity(entity_row, entity, position)

    def get_profile(self, name: str | None = None) -> ProfileConfig:
        """The named profile, or with no name the only (else the first created) one."""
        try:
            with self.store.session() as session:
                stmt = select(ProfileRow).order_by(ProfileRow.id)
                if name is not None:
                    stmt = stmt.where(ProfileRow.name == name)
                row = session.scalars(stmt.limit(1)).first()
                if row is None:
                    raise self._missing(session, name)
                return profile_from_row(row)
        except SQLAlchemyError as exc:
            raise StoreError(f"Reading profiles failed: {exc}") from exc

    @staticmethod
    def _missing(session: Session, name: str | None) -> ConfigError:
        known = session.scalars(select(ProfileRow.name).order_by(ProfileRow.name)).all()
        if name is None or not known:
            return ConfigError("There is no profile yet", hint=_NO_PROFILE_HINT)
        return ConfigError(f"There is no profile named {name!r}",
                           hint=f"known profiles: {', '.join(known)}; or {_NO_PROFILE_HINT}")

    def list_profiles(self) -> list[ProfileConfig]:
        """Every profile, in the order they were created."""
        try:
            with self.store.session() as session:
                rows = session.scalars(select(ProfileRow).order_by(ProfileRow.id)).all()
                return [profile_from_row(r) for r in rows]
        except SQLAlchemyError as exc:
            raise StoreError(f"Reading profiles failed: {exc}") from exc

    def delete_profile(self, name: str) -> None:
        """Delete a profile with everything that belongs to it (links, runs, outcomes, cursors, stats)."""
        try:
            with self.store.session() as session:
                row = session.scalars(select(ProfileRow).where(ProfileRow.name == name)).one_or_none()
                if row is None:
                    raise self._missing(session, name)
                session.delete(row)
                announce_profile_change(session, name)
                session.commit()
        except SQLAlchemyError as exc:
            raise StoreError(f"Deleting profile {name!r} failed: {exc}") from exc

    def set_endpoint_status(
        self, profile_id: int, side: Side | str, status: str, message: str | None, *,
        tested_at: datetime | None = None,
    ) -> None:
        """Record the result of a connection test or an auth failure on one endpoint; `tested_at` (given by a
        connection test only) becomes the time of its last test, which a run or a sign-in leaves as it is."""
        if status not in ENDPOINT_STATUSES:
            raise ConfigError(f"Unknown endpoint status {status!r}",
                              hint=f"use {', '.join(ENDPOINT_STATUSES)}")
        try:
            side_value = Side(str(side).lower()).value
        except ValueError:
            raise ConfigError(f"Unknown side {side!r}", hint="use crm or erp") from None
        try:
            with self.store.session() as session:
                stmt = select(EndpointRow).where(
                    EndpointRow.profile_id == profile_id, EndpointRow.side == side_value
                )
                row = session.scalars(stmt).one_or_none()
                if row is None:
                    raise ConfigError(f"Profile #{profile_id} has no {side_value} endpoint")
                row.status, row.status_message = status, message
                if tested_at is not None:
                    row.last_tested_at = tested_at
                session.commit()
        except SQLAlchemyError as exc:
            raise StoreError(f"Saving the endpoint status failed: {exc}") from exc

    def endpoint_status(self, profile_id: int) -> dict[Side, EndpointStatus]:
        """The last recorded status of each endpoint of a profile."""
        try:
            with self.store.session() as session:
                rows = session.scalars(select(EndpointRow).where(EndpointRow.profile_id == profile_id)).all()
                return {Side(r.side): EndpointStatus(r.status, r.status_message, aware_utc(r.last_tested_at))
                        for r in rows}
        except SQLAlchemyError as exc:
            raise StoreError(f"Reading endpoint status failed: {exc}") from exc
