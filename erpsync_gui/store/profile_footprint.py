"""What a profile owns in the state database, counted, so Delete can say what goes before it goes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import StoreError
from erpsync_gui.store.db import Store
from erpsync_gui.store.models import ConflictRow, LinkRow, RunRow


@dataclass(frozen=True)
class Footprint:
    links: int
    runs: int
    conflicts: int


def profile_footprint(store: Store, profile_id: int) -> Footprint:
    """The profile's links, runs (the sync history) and open or decided conflicts."""
    try:
        with store.session() as session:
            def count(model) -> int:
                return int(session.scalar(select(func.count()).select_from(model)
                                          .where(model.profile_id == profile_id)) or 0)

            return Footprint(count(LinkRow), count(RunRow), count(ConflictRow))
    except SQLAlchemyError as exc:
        raise StoreError(f"Reading what the profile holds failed: {exc}") from exc
