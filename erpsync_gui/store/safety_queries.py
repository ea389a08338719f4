"""Small reads the safety nets need: how many pairs an entity has linked, and whether it ever synced."""

from __future__ import annotations

from sqlalchemy import func, select

from erpsync_gui.store.db import Store
from erpsync_gui.store.link import TABLE
from erpsync_gui.store.models import CursorRow


def linked_count(store: Store, profile_id: int, entity: str) -> int:
    """Pairs with a record on both sides (retired ones are not counted)."""
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(TABLE).where(
            TABLE.c.profile_id == profile_id, TABLE.c.entity == entity, TABLE.c.crm_id.is_not(None),
            TABLE.c.erp_id.is_not(None), TABLE.c.state != "deleted")) or 0)


def never_synced(store: Store, profile_id: int, entity: str) -> bool:
    """True when the entity has no link and no cursor: its next run is its first."""
    with store.session() as s:
        links = s.scalar(select(TABLE.c.id).where(TABLE.c.profile_id == profile_id, TABLE.c.entity == entity)
                         .limit(1))
        cursor = s.scalar(select(CursorRow.id).where(CursorRow.profile_id == profile_id, CursorRow.entity == entity,
                                                     CursorRow.value.is_not(None)).limit(1))
        return links is None and cursor is None
