"""A dry run of the first sync of a profile not saved yet: its entities planned against both systems, in a
throwaway state database, so the wizard can say what the first sync would do before anything is stored.
Nothing is written to either system, and the throwaway database is gone afterwards.

An entity planned after the one its lookups point at (contacts after clients) is planned against what that
first sync would leave: the pairs the earlier dry run would link are put in the throwaway database as links,
so a contact of a client already in both is planned as a real run would plan it. A record whose parent the
first sync would create has no id to point at yet: it is counted as created after its parent when its mapping
holds with that parent in place."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from erpsync_gui.app.scheduled_run import dependency_order
from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine.runner import LinkResolver, SyncEngine
from erpsync_gui.engine.types import Action, RunResult
from erpsync_gui.errors import ERPSyncError, MappingError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.mapping.mapper import singular
from erpsync_gui.profile import EntityConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store, open_store
from erpsync_gui.store.link import Link
from erpsync_gui.store.sync_state import SyncState

#: builds one side's connector from the profile's (unsaved) settings and typed secrets
ConnectorFactory = Callable[[Side], Connector]
#: the plan's actions on a record and its twin found on the other side
_PAIRED = frozenset({Action.LINK, Action.UPDATE, Action.UPDATE_SOURCE, Action.CONFLICT, Action.REBASELINE,
                     Action.DEFER})
#: plan items a first look keeps per entity (a larger first sync is counted from what fits)
PLAN_CAP = 50_000


@dataclass(frozen=True)
class FirstLook:
    """One entity's planned first sync (`result` holds the plan for the field-level preview), or why it
    could not be planned."""

    entity: str
    result: RunResult | None
    problem: str | None = None
    #: records planned as failed only because the parent they point at would be created first (no id yet)
    after_parents: int = 0
    #: the entities of those parents ("clients")
    parents: tuple[str, ...] = ()


def look_words(look: FirstLook) -> str:
    """A first look in one line: its plan, or why the entity could not be planned."""
    result = look.result
    if result is None:
        return f"cannot be planned: {look.problem}"
    if result.status == "failed" and not result.plan and result.message:
        return f"cannot be planned: {result.message}"
    return plan_words(result, look.after_parents, look.parents)


def plan_words(result: RunResult, after_parents: int = 0, parents: tuple[str, ...] = ()) -> str:
    """"will link 1,240 by key, create 310 in the CRM, 12 conflicts": a dry run's plan in one line;
    `after_parents` of its failed records are counted as created after their parent (`parents`)."""
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
    if after_parents:
        parts.append(f"create {after_parents:,} after their {' or '.join(singular(p) for p in parents)}")
    conflicts = sum(n for (action, _side), n in actions.items() if action is Action.CONFLICT)
    failed = sum(n for (action, _side), n in actions.items() if action is Action.FAILED) - after_parents
    parts.append(f"{conflicts:,} conflict" + ("" if conflicts == 1 else "s"))
    if failed:
        parts.append(f"{failed:,} cannot be synced as mapped")
    more = f" (and {result.plan_truncated:,} more not listed)" if result.plan_truncated else ""
    return "will " + ", ".join(parts) + more if parts else "nothing to do"


@dataclass
class _Planned:
    """What the dry runs so far would leave: per entity and side, the source ids of records to be created."""

    created: dict[tuple[str, Side], set[str]] = field(default_factory=dict)

    def remember(self, store: Store, profile_id: int, entity: str, result: RunResult) -> None:
        """The run's pairs of twins as links of the throwaway database; its creates by source id."""
        pairs: dict[tuple[str, str], Link] = {}
        for item in result.plan:
            # a twin found (equal, to update, or in conflict) is a link after the first sync, whatever it writes
            if item.action in _PAIRED and item.crm_id is not None and item.erp_id is not None:
                pairs.setdefault((item.crm_id, item.erp_id),
                                 Link(profile_id, entity, crm_id=item.crm_id, erp_id=item.erp_id, state="synced"))
            elif item.action is Action.CREATE:
                self.created.setdefault((entity, item.source_side), set()).add(item.source.id)
        if pairs:
            SyncState(store, profile_id, entity).persist_new_links(list(pairs.values()))


class _AfterParents:
    """Lookups as the link store answers them, and an id for a parent the first sync would create."""

    def __init__(self, links: LinkResolver, planned: _Planned) -> None:
        self.links = links
        self.planned = planned
        self.used: set[str] = set()

    def resolve(self, entity: str, from_side: Side, source_id: str) -> str | None:
        linked = self.links.resolve(entity, from_side, source_id)
        if linked is not None:
            return linked
        if str(source_id) in self.planned.created.get((entity, from_side), ()):
            self.used.add(entity)
            return str(source_id)  # a stand-in: the mapping only has to hold, nothing is sent
        return None


def _after_parents(cfg: EntityConfig, result: RunResult, store: Store, profile_id: int,
                   planned: _Planned) -> tuple[int, tuple[str, ...]]:
    """How many failed records map once the parents the first sync would create exist, and which parents."""
    failed = [item for item in result.plan if item.action is Action.FAILED and isinstance(item.error, MappingError)]
    if not failed or not planned.created:
        return 0, ()
    mapping = EntityMapping.from_config(cfg)
    resolver = _AfterParents(LinkResolver(SyncState(store, profile_id, cfg.entity)), planned)
    count, parents = 0, set()
    for item in failed:
        resolver.used.clear()
        try:
            mapping.map_record(item.source.data, to=item.source_side.other, resolver=resolver)
        except MappingError:
            continue
        if resolver.used:
            count += 1
            parents |= resolver.used
    return count, tuple(sorted(parents))


def first_look(profile: ProfileConfig, connector: ConnectorFactory, *,
               redact: Callable[[str], str] = lambda text: text) -> Mapping[str, FirstLook]:
    """The dry run of every enabled entity, in dependency order: an entity whose lookups point at another one
    is planned after it, against the links that one's first sync would record."""
    looks: dict[str, FirstLook] = {}
    planned = _Planned()
    with tempfile.TemporaryDirectory(prefix="erpsync-first-look-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'first-look.db'}")
        try:
            saved = ConfigRepo(store).save_profile(profile)
            assert saved.id is not None
            for entity in dependency_order([e.entity for e in saved.entities if e.enabled]):
                opened: dict[Side, Connector] = {}
                try:
                    for side in Side:
                        opened[side] = connector(side)
                    # every planned item is kept: the links and creates of one entity are what the next is planned on
                    engine = SyncEngine(store, saved, opened, redact=redact, time_gate_s=0, plan_cap=PLAN_CAP)
                    result = engine.run(entity, dry_run=True, trigger="preview")
                    waiting, parents = _after_parents(saved.entity(entity), result, store, saved.id, planned)
                    looks[entity] = FirstLook(entity, result, after_parents=waiting, parents=parents)
                    planned.remember(store, saved.id, entity, result)
                except ERPSyncError as exc:
                    looks[entity] = FirstLook(entity, None, redact(str(exc)))
                finally:
                    for opened_connector in opened.values():
                        opened_connector.close()
        finally:
            store.close()
    return looks
