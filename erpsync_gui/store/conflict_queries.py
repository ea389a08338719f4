"""The conflict queue of the `manual` policy: open conflicts with their link, and settling one after a
person decided it (link, conflict row and the conflict's outcomes in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import ConfigError, StoreError
from erpsync_gui.store.db import Store, rows_changed
from erpsync_gui.store.models import ConflictRow, LinkRow, OutcomeRow
from erpsync_gui.timeutil import aware_utc


@dataclass(frozen=True)
class OpenConflict:
    """One undecided conflict: both records' values under the CRM field names."""

    id: int
    profile_id: int
    entity: str
    link_id: int
    crm_id: str | None
    erp_id: str | None
    crm_values: dict[str, Any]
    erp_values: dict[str, Any]
    reason: str
    created_at: datetime

    @property
    def differing(self) -> list[str]:
        """Fields whose values differ, in the order the mapping lists them."""
        names = list(dict.fromkeys([*self.crm_values, *self.erp_values]))
        return [n for n in names if self.crm_values.get(n) != self.erp_values.get(n)]


def _of(conflict: ConflictRow, link: LinkRow) -> OpenConflict:
    return OpenConflict(conflict.id, conflict.profile_id, conflict.entity, conflict.link_id, link.crm_id,
                        link.erp_id, dict(conflict.crm_values or {}), dict(conflict.erp_values or {}),
                        conflict.reason, aware_utc(conflict.created_at))


def open_conflicts(store: Store, profile_id: int, entity: str | None = None) -> list[OpenConflict]:
    """Undecided conflicts of a profile, oldest first."""
    stmt = (
        select(ConflictRow, LinkRow)
        .join(LinkRow, LinkRow.id == ConflictRow.link_id)
        .where(ConflictRow.profile_id == profile_id, ConflictRow.resolved_at.is_(None))
        .order_by(ConflictRow.created_at, ConflictRow.id)
    )
    if entity is not None:
        stmt = stmt.where(ConflictRow.entity == entity)
    try:
        with store.session() as session:
            return [_of(c, link) for c, link in session.execute(stmt).all()]
    except SQLAlchemyError as exc:
        raise StoreError(f"Reading conflicts failed: {getattr(exc, 'orig', None) or exc}") from exc


def get_open_conflict(store: Store, profile_id: int, conflict_id: int) -> OpenConflict:
    """One undecided conflict; ConfigError when it does not exist or was decided already."""
    try:
        with store.session() as session:
            row = session.execute(
                select(ConflictRow, LinkRow).join(LinkRow, LinkRow.id == ConflictRow.link_id)
                .where(ConflictRow.id == conflict_id, ConflictRow.profile_id == profile_id)
            ).first()
    except SQLAlchemyError as exc:
        raise StoreError(f"Reading conflict {conflict_id} failed: {getattr(exc, 'orig', None) or exc}") from exc
    if row is None:
        raise ConfigError(f"Conflict {conflict_id} does not exist in this profile",
                          hint="refresh the conflict list; a later sync may have replaced it")
    conflict, link = row
    if conflict.resolved_at is not None:
        raise ConfigError(f"Conflict {conflict_id} was already resolved",
                          hint="refresh the conflict list")
    return _of(conflict, link)


@dataclass(frozen=True)
class LinkSides:
    """What both written records leave on the link: checksums, versions, modification times."""

    crm_id: str
    erp_id: str
    crm_checksum: str
    erp_checksum: str
    crm_version: str | None
    erp_version: str | None
    crm_updated_at: datetime | None
    erp_updated_at: datetime | None
    txn_id: str


def settle_conflict(store: Store, conflict: OpenConflict, sides: LinkSides) -> None:
    """In one transaction: the link is synced with both sides' new checksums, the conflict is resolved,
    and the conflict outcomes of that record leave the open list."""
    now = datetime.now(UTC)
    try:
        with store.session() as session, session.begin():
            session.execute(update(LinkRow).where(LinkRow.id == conflict.link_id).values(
                crm_id=sides.crm_id, erp_id=sides.erp_id,
                crm_checksum=sides.crm_checksum, erp_checksum=sides.erp_checksum,
                crm_version=sides.crm_version, erp_version=sides.erp_version,
                crm_updated_at=sides.crm_updated_at, erp_updated_at=sides.erp_updated_at,
                state="synced", pending_side=None, create_unknown=False, attempts=0, last_error=None,
                last_txn_id=sides.txn_id, last_written_side=None, last_synced_at=now,
            ))
            done = rows_changed(session.execute(
                update(ConflictRow)
                .where(ConflictRow.id == conflict.id, ConflictRow.resolved_at.is_(None))
                .values(resolved_at=now)
            ))
            if not done:
                raise ConfigError(f"Conflict {conflict.id} was resolved meanwhile",
                                  hint="refresh the conflict list")
            session.execute(
                update(OutcomeRow)
                .where(OutcomeRow.profile_id == conflict.profile_id, OutcomeRow.entity == conflict.entity,
                       OutcomeRow.action == "conflict", OutcomeRow.resolution == "open",
                       (OutcomeRow.crm_id == sides.crm_id) | (OutcomeRow.erp_id == sides.erp_id))
                .values(resolution="resolved")
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"Recording the decision on conflict {conflict.id} failed: "
                         f"{getattr(exc, 'orig', None) or exc}") from exc
