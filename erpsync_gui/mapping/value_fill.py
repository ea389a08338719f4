"""Proposing a lookup value map from both sides' lists: each CRM row (id and the name people know it by) is paired
with the ERP value that names it, diacritics, case and spacing aside. Pure: the lists are read elsewhere."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def folded(text: str) -> str:
    """`text` as it compares: without diacritics, case-folded, single-spaced ("Iași" and "IASI" are equal)."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def names_of(label: str) -> set[str]:
    """The folded names a CRM label stands for: the whole label and, for "Brașov (BV)", the name and the code."""
    found = {folded(label)}
    parts = _PAREN.match(label)
    if parts:
        found |= {folded(parts.group(1)), folded(parts.group(2))}
    return {name for name in found if name}


def propose_value_map(crm: Mapping[str, str], erp: Iterable[str], *,
                      keep: Mapping[str, str] | None = None) -> dict[str, str]:
    """{CRM id: ERP value} for each ERP value that names exactly one CRM row and each row named by one value;
    the pairs of `keep` (the map so far) stay as they are and their rows and values are not proposed again."""
    result = {str(k): str(v) for k, v in (keep or {}).items()}
    taken = {folded(v) for v in result.values()}
    rows: dict[str, list[str]] = {}
    for crm_id, label in crm.items():
        if str(crm_id) in result:
            continue
        for name in names_of(str(label)):
            rows.setdefault(name, []).append(str(crm_id))
    claimed: dict[str, list[str]] = {}
    for value in _distinct(erp):
        key = folded(value)
        if key in taken or len(rows.get(key, [])) != 1:
            continue
        claimed.setdefault(rows[key][0], []).append(value)
    for crm_id, values in claimed.items():
        if len(values) == 1:
            result[crm_id] = values[0]
    return result


def _distinct(values: Iterable[str]) -> Sequence[str]:
    return list(dict.fromkeys(str(v).strip() for v in values if v is not None and str(v).strip()))
