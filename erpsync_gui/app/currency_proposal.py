"""The currency mapping proposed from both sides' currency lists, and the check that flags a wrong one.

The mapping {"<ERP currency id>": <CRM currency id>} pairs ids; ids are numbered differently on each side
(stock Perfex: 1 USD, 2 EUR; the sandbox ERP: 1 RON, 2 EUR, 3 USD, 4 IRR), so pairing them by number
(the identity mapping) sends RON amounts as USD. A currency is named by its ISO code on both sides: the
ERP's `code`, Perfex's tblcurrencies `name`. No Qt here: the mapping editor and the wizard call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.mapping.currency import validate_currency_mapping
from erpsync_gui.mapping.types import natural_scalar
from erpsync_gui.records import Side

#: the field holding a currency's ISO code, tried in order, per side
CODE_FIELDS = {Side.ERP: ("code", "iso_code", "iso", "name"), Side.CRM: ("name", "code", "iso_code")}


@dataclass(frozen=True)
class Currency:
    """One currency of one side: its id there and its ISO code."""

    id: str
    code: str


@dataclass(frozen=True)
class CurrencyProposal:
    """A mapping by ISO code, and the ERP currencies the CRM has no currency for."""

    mapping: dict[str, Any]
    unmatched: tuple[Currency, ...] = ()
    #: one line per problem that remains (for the editor to show next to the proposal)
    notes: tuple[str, ...] = field(default_factory=tuple)


def currencies_from(records: Iterable[Mapping[str, Any]], side: Side, *, id_field: str = "id",
                    code_field: str | None = None) -> list[Currency]:
    """Currencies from records of one side (dicts of its fields); records without a code are left out."""
    found = []
    for record in records:
        names = (code_field,) if code_field else CODE_FIELDS[side]
        code = next((str(record[n]).strip().upper() for n in names if record.get(n) not in (None, "")), None)
        if code and record.get(id_field) not in (None, ""):
            found.append(Currency(str(record[id_field]), code))
    return found


def read_currencies(connector: Connector, side: Side, entity: str = "currencies") -> list[Currency]:
    """Every currency `connector` holds (one full read of the entity)."""
    records = [{"id": r.id, **r.data} for page in connector.changes(entity, None, 500) for r in page.records]
    return currencies_from(records, side)


def propose_currency_mapping(erp: Sequence[Currency], crm: Sequence[Currency]) -> CurrencyProposal:
    """Each ERP currency mapped to the CRM currency with the same ISO code (the first such, by id)."""
    by_code: dict[str, Currency] = {}
    for currency in sorted(crm, key=lambda c: _sort_key(c.id)):
        by_code.setdefault(currency.code, currency)
    mapping: dict[str, Any] = {}
    unmatched = []
    for currency in sorted(erp, key=lambda c: _sort_key(c.id)):
        twin = by_code.get(currency.code)
        if twin is None:
            unmatched.append(currency)
        else:
            mapping[currency.id] = natural_scalar(twin.id)
    notes = tuple(f"ERP currency {c.id} ({c.code}) has no CRM currency with that code: add it to the CRM "
                  "(or sync the currencies first), or amounts in it cannot be written" for c in unmatched)
    return CurrencyProposal(mapping, tuple(unmatched), notes)


def check_currency_mapping(mapping: Mapping[str, Any], erp: Sequence[Currency],
                           crm: Sequence[Currency]) -> list[str]:
    """One line per pair whose ISO codes differ (RON written as USD), per id that names no currency, and per
    ERP currency the mapping leaves out while the CRM has it."""
    try:
        pairs = validate_currency_mapping(dict(mapping or {}))
    except ConfigError as exc:
        return [exc.message]
    erp_codes = {c.id: c.code for c in erp}
    crm_codes = {c.id: c.code for c in crm}
    problems = []
    for erp_id, crm_id in pairs.items():
        erp_code, crm_code = erp_codes.get(str(erp_id)), crm_codes.get(str(crm_id))
        if erp_code is None:
            problems.append(f"ERP currency {erp_id} does not exist in the ERP")
        elif crm_code is None:
            problems.append(f"ERP currency {erp_id} ({erp_code}) is mapped to CRM currency {crm_id}, which does "
                            "not exist in the CRM")
        elif erp_code != crm_code:
            problems.append(f"ERP currency {erp_id} ({erp_code}) is mapped to CRM currency {crm_id} ({crm_code}): "
                            f"amounts in {erp_code} would be written as {crm_code}")
    present = set(crm_codes.values())
    for currency in erp:
        if currency.id not in {str(k) for k in pairs} and currency.code in present:
            problems.append(f"ERP currency {currency.id} ({currency.code}) is not mapped, though the CRM has "
                            f"{currency.code}")
    return problems


def _sort_key(value: str) -> tuple[int, Any]:
    return (0, int(value)) if value.isdigit() else (1, value)


def currency_findings(connectors: Mapping[Side, Connector], entities: Sequence[Any]) -> list[str]:
    """The check of each distinct currency mapping of a profile's enabled entities against both sides'
    currency lists; nothing when a side cannot list its currencies."""
    mappings = {}
    lines = []
    for cfg in entities:
        if not cfg.enabled:
            continue
        if cfg.currency_mapping:
            mappings.setdefault(repr(sorted(cfg.currency_mapping.items())), (cfg.entity, cfg.currency_mapping))
        elif _uses_currencies(cfg.fields):
            lines.append(f"{cfg.entity}: the currency mapping is empty, so its amounts and prices cannot be "
                         "written: propose one from both sides' currency lists")
    if not mappings:
        return lines
    try:
        erp = read_currencies(connectors[Side.ERP], Side.ERP)
        crm = read_currencies(connectors[Side.CRM], Side.CRM)
    except ERPSyncError:
        return lines  # a side without a currency list: nothing to hold the mappings against
    for entity, mapping in mappings.values():
        lines += [f"{entity}: currency mapping: {problem}" for problem in check_currency_mapping(mapping, erp, crm)]
    return lines


def _uses_currencies(rows: Iterable[Mapping[str, Any]]) -> bool:
    """Whether mapping rows (or their line rows) carry a currency or a price."""
    return any(row.get("type") in ("currency", "price") or _uses_currencies(row.get("fields") or ())
               for row in rows)
