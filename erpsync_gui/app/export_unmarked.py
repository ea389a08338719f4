"""Export of the records made in the CRM itself: per entity, the CRM records that carry no origin marker and
were never sent to the ERP, and only those (the CRM module's "Export -> per entity"). Records that came
from the ERP, or that a run already sent, are left alone; the CLI and the Sync page call these."""

from __future__ import annotations

from dataclasses import dataclass

from erpsync_gui.app.service import SyncService
from erpsync_gui.engine.types import RunResult
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.sync_state import SyncState

#: records read per page while looking for unmarked ones
PAGE = 500


@dataclass(frozen=True)
class UnmarkedExport:
    """What an export of unmarked records found and, unless it only looked, the run that sent them."""

    entity: str
    crm_ids: tuple[str, ...]
    run: RunResult | None = None


def unmarked_ids(service: SyncService, entity: str, profile_name: str | None = None) -> list[str]:
    """CRM ids of `entity` records without our origin marker and without a link to an ERP record."""
    profile = service.profile(profile_name)
    name = profile.entity(entity).name_on(Side.CRM)
    sent = {link.crm_id for link in SyncState(service.store, profile.id, entity).linked(Side.CRM)
            if link.erp_id is not None}
    connector = service.connector(profile, Side.CRM)
    try:
        return [record.id for page in connector.changes(name, None, PAGE) for record in page.records
                if record.id not in sent and connector.origin_of(name, record) is None]
    finally:
        connector.close()


def export_unmarked(service: SyncService, entity: str, profile_name: str | None = None, *,
                    dry_run: bool = False) -> UnmarkedExport:
    """Send the unmarked records of `entity` to the ERP (CRM -> ERP, those records only)."""
    ids = tuple(unmarked_ids(service, entity, profile_name))
    if not ids or dry_run:
        return UnmarkedExport(entity, ids)
    run = service.sync(entity, profile_name=profile_name, direction=Direction.EXPORT, trigger="manual",
                       only={Side.CRM: list(ids)})
    return UnmarkedExport(entity, ids, run)
