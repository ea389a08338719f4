"""The currency mapping held against the currencies each system really has, before a run writes anything.

A mapped id the other side does not have would otherwise turn every price into a wrong one or a failure per
record; a system that cannot list its currencies (no such entity, no right to read it, or none kept) is not
checked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping

from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import Side

log = logging.getLogger("erpsync.engine")

_CODE = re.compile(r"^[A-Z]{3}$")
#: a currency list longer than this is not a currency list
_MAX = 2000


def listed_currencies(connector: Connector, name: str = "currencies") -> frozenset[str] | None:
    """The ids and ISO codes of a system's currencies, or None when it cannot say."""
    if name not in connector.entities():
        return None
    found: set[str] = set()
    try:
        for page in connector.changes(name, None, 500):
            for record in page.records:
                found.add(str(record.id))
                found.update(v for v in record.data.values() if isinstance(v, str) and _CODE.match(v))
            if len(found) > _MAX:
                return None
    except ERPSyncError as exc:
        log.info("the currencies could not be listed (%s); the currency mapping is checked per record", exc)
        return None
    # an empty list says nothing: the system keeps no currency records (the ids are then only numbers to it)
    return frozenset(found) or None


def unknown_currencies(mapping: EntityMapping, listed: Mapping[Side, Collection[str] | None]) -> list[str]:
    """One line per mapped currency a side that listed its currencies does not have."""
    wanted: dict[Side, list[str]] = {
        Side.ERP: list(mapping.currencies.to_crm_ids),
        Side.CRM: [str(v) for v in mapping.currencies.to_crm_ids.values()],
    }
    wanted[Side.CRM] += [str(f.currency) for f in mapping.fields if f.type == "price" and f.currency]
    problems = []
    for side, ids in wanted.items():
        have = listed.get(side)
        if have is None:
            continue
        for currency in dict.fromkeys(ids):
            if currency not in have:
                problems.append(f"the {side.value.upper()} has no currency {currency} (it has "
                                f"{', '.join(sorted(have, key=_order)[:20]) or 'none'})")
    return problems


def check_currencies(mapping: EntityMapping, connectors: Mapping[Side, Connector], entity: str) -> None:
    """ConfigError naming every mapped currency a system does not have (nothing to check: nothing read)."""
    if not mapping.currencies.to_crm_ids:
        return
    listed = {side: listed_currencies(connectors[side]) for side in Side}
    problems = unknown_currencies(mapping, listed)
    if problems:
        raise ConfigError(f"the currency mapping of {entity} names currencies that do not exist: "
                          + "; ".join(problems),
                          hint=f"fix the currency mapping of {entity} on the Mappings page")


def _order(value: str) -> tuple[int, int | str]:
    return (0, int(value)) if value.isdigit() else (1, value)
