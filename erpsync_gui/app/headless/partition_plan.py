"""Queueing a read in parts of one (very large) entity: one task per id range, then one that moves the cursor
once every part has committed (see connectors/partitions.py for why the cursor is taken before any part)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.service import EntityBusyError, SyncService
from erpsync_gui.connectors.partitions import Partitioned
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.db import Store
from erpsync_gui.store.sync_state import BatchCommit, SyncState

log = logging.getLogger("erpsync.service")


@dataclass(frozen=True)
class QueuedPartitions:
    side: Side
    job_ids: tuple[int, ...]
    finisher: int
    cursor: str | None


def queue_partitions(client: Any, service: SyncService, profile_name: str, entity: str, parts: int, *,
                     side: Side | None = None) -> QueuedPartitions:
    """Split the entity's source side into at most `parts` id ranges and queue them; EntityBusyError while a
    sync of the entity waits or runs, ConfigError when its connector cannot read in parts."""
    profile = service.profile(profile_name)
    config = profile.entity(entity)
    side = side or config.direction.sources()[0]
    if any(run.entity == entity for run in jobs.queued_runs(client, profile.name)):
        raise EntityBusyError(f"{entity} of profile {profile.name!r} is queued or being synced",
                              hint="read it in parts when that run is done")
    connector = service.connector(profile, side)
    try:
        if not isinstance(connector, Partitioned):
            raise ConfigError(f"the {side.value.upper()} connector ({connector.kind}) cannot read {entity} in parts")
        plan = connector.plan_partitions(config.name_on(side), parts)
    finally:
        connector.close()
    job_ids = []
    for number, part in enumerate(plan.ranges):
        deferrer = client.configure_task(jobs.PARTITION_TASK, lock=jobs.partition_lock(profile.name, entity, number))
        job_ids.append(int(deferrer.defer(profile=profile.name, entity=entity, side=side.value, lo=part.lo,
                                          hi=part.hi, number=number)))
    finisher = client.configure_task(jobs.FINISH_PARTITIONS_TASK, lock=jobs.entity_lock(profile.name, entity))
    finisher_id = int(finisher.defer(profile=profile.name, entity=entity, side=side.value, cursor=plan.cursor,
                                     job_ids=job_ids))
    log.info("%s of profile %r queued in %d parts", entity, profile.name, len(job_ids),
             extra={"profile_id": profile.id, "entity": entity})
    return QueuedPartitions(side, tuple(job_ids), finisher_id, plan.cursor)


def store_cursor(store: Store, profile: ProfileConfig, entity: str, side: Side, cursor: str | None) -> None:
    """The planned cursor of a read in parts, stored once every part committed (none: the side has none)."""
    if cursor:
        SyncState(store, profile.stored_id, entity).commit(BatchCommit(cursor=(side, cursor)))
