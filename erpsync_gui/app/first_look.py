"""A dry run of the first sync of a profile not saved yet: its entities planned against both systems, in a
throwaway state database, so the wizard can say what the first sync would do before anything is stored.
Nothing is written to either system, and the throwaway database is gone afterwards."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from erpsync_gui.app.scheduled_run import dependency_order
from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import Action, RunResult
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store

#: builds one side's connector from the profile's (unsaved) settings and typed secrets
ConnectorFactory = Callable[[Side], Connector]


@dataclass(frozen=True)
class FirstLook:
    """One entity's planned first sync (`result` holds the plan for the field-level preview), or why it
    could not be planned."""

    entity: str
    result: RunResult | None
    problem: str | None = None


def plan_words(result: RunResult) -> str:
    """"will link 1,240 by key, create 310 in the CRM, 12 conflicts": a dry run's plan in one line."""
    actions = Counter((item.action, item.write_side) for item in result.plan)
    linked = sum(n for (action, _side), n in actions.items() if action is Action.LINK)
    parts = [f"link {linked:,} already in both (matched by key)"] if linked else []
    for side in Side:
        created = actions.get((Action.CREATE, side), 0)
        if created:
            parts.append(f"create {created:,} in the {side.value.upper()}")
    for side in Side:
        updated = actions.get((Action.UPDATE, side), 0) + actions.get((Action.UPDATE_SOURCE, side), 0)
        if updated:
            parts.append(f"update {updated:,} in the {side.value.upper()}")
    conflicts = sum(n for (action, _side), n in actions.items() if action is Action.CONFLICT)
    failed = sum(n for (action, _side), n in actions.items() if action is Action.FAILED)
    parts.append(f"{conflicts:,} conflict" + ("" if conflicts == 1 else "s"))
    if failed:
        parts.append(f"{failed:,} cannot be synced as mapped")
    more = f" (and {result.plan_truncated:,} more not listed)" if result.plan_truncated else ""
    return "will " + ", ".join(parts) + more if parts else "nothing to do"


def first_look(profile: ProfileConfig, connector: ConnectorFactory, *,
               redact: Callable[[str], str] = lambda text: text) -> Mapping[str, FirstLook]:
    """The dry run of every enabled entity, in dependency order (an entity whose lookups point at another
    one is planned after it; in a dry run nothing is linked yet, so its lookups may count as unresolved)."""
    looks: dict[str, FirstLook] = {}
    with tempfile.TemporaryDirectory(prefix="erpsync-first-look-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'first-look.db'}")
        try:
            saved = ConfigRepo(store).save_profile(profile)
            for entity in dependency_order([e.entity for e in saved.entities if e.enabled]):
                opened: dict[Side, Connector] = {}
                try:
                    for side in Side:
                        opened[side] = connector(side)
                    engine = SyncEngine(store, saved, opened, redact=redact, time_gate_s=0)
                    looks[entity] = FirstLook(entity, engine.run(entity, dry_run=True, trigger="preview"))
                except ERPSyncError as exc:
                    looks[entity] = FirstLook(entity, None, redact(str(exc)))
                finally:
                    for opened_connector in opened.values():
                        opened_connector.close()
        finally:
            store.close()
    return looks
