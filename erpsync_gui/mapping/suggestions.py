"""Field pairs offered for review on the Mappings page: from both sides' described fields, the ones the mapping
does not use yet, paired by name, each with the reason in words. The product's own marker fields (the origin
marker and the transaction id it stamps on records) are never offered: mapping them would copy one system's
markers into the other and break loop prevention."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from erpsync_gui.mapping.suggest import auto_suggest, normalize, similarity
from erpsync_gui.records import FieldInfo

#: the fields the product itself writes: the origin marker (source id, channel) and the transaction id
MARKER_FIELDS = frozenset({"external_id", "external_channel", "sync_txn"})
#: what FieldInfo types become in a suggested mapping row
ROW_TYPES = {"number": "number", "integer": "integer", "boolean": "boolean", "date": "date", "datetime": "datetime"}


def marker_fields(*options: Mapping[str, Any]) -> set[str]:
    """The marker fields, with the names endpoints' options give them (`origin_fields`, `txn_field`)."""
    names = set(MARKER_FIELDS)
    for table in options:
        names.update(str(name) for name in table.get("origin_fields") or ())
        if table.get("txn_field"):
            names.add(str(table["txn_field"]))
    return names


@dataclass(frozen=True)
class Suggestion:
    """One pair to review: the two fields, the row type it would get, how alike the names are and why."""

    crm: str
    erp: str
    type: str
    score: float
    reason: str

    @property
    def likely(self) -> bool:
        """Same name, known synonyms or one name inside the other: ticked for adding at first."""
        return self.score >= 0.8


def reason_of(crm: FieldInfo, erp: FieldInfo, score: float) -> str:
    """"same name", "names that mean the same", ... and, when the sides say different types, which."""
    if score >= 1.0:
        words = "same name"
    elif score >= 0.9:
        words = "names that mean the same"
    elif score >= 0.8:
        words = "one name contains the other"
    else:
        words = f"similar names ({round(score / 0.75 * 100)} % alike)"
    if crm.type != erp.type:
        words += f"; types differ: CRM {crm.type}, ERP {erp.type}"
    return words


def suggestions(crm_fields: Sequence[FieldInfo], erp_fields: Sequence[FieldInfo],
                used: tuple[Collection[str], Collection[str]], *, markers: Collection[str] = MARKER_FIELDS,
                rejected: Collection[tuple[str, str]] = ()) -> list[Suggestion]:
    """Pairs of fields neither side maps yet (`used`: the CRM's and the ERP's mapped names), best first claimed,
    in the order of the CRM's fields; marker fields and pairs rejected before are left out."""
    own = {normalize(name) for name in markers}
    crm = [f for f in crm_fields if f.name not in used[0] and normalize(f.name) not in own]
    erp = [f for f in erp_fields if f.name not in used[1] and normalize(f.name) not in own]
    by_name = ({f.name: f for f in crm}, {f.name: f for f in erp})
    out = []
    for crm_name, erp_name, score in auto_suggest([f.name for f in crm], [f.name for f in erp]):
        if (crm_name, erp_name) in rejected:
            continue
        crm_field, erp_field = by_name[0][crm_name], by_name[1][erp_name]
        out.append(Suggestion(crm_name, erp_name, ROW_TYPES.get(crm_field.type, "text"),
                              similarity(crm_name, erp_name), reason_of(crm_field, erp_field, score)))
    return out
