"""Field pairs suggested by name similarity, for the field mapping editor."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

#: names that mean the same thing across systems (normalized: lower case, letters and digits only)
_SYNONYMS = (
    {"phone", "phonenumber", "telephone", "tel", "phoneno"},
    {"zip", "zipcode", "postalcode", "postcode"},
    {"state", "county", "region", "province"},
    {"company", "companyname", "organization", "organisation"},
    {"title", "position", "jobtitle"},
    {"vat", "vatnumber", "vatcode", "taxid", "taxnumber"},
    {"email", "emailaddress", "mail"},
    {"address", "street", "streetaddress"},
    {"city", "town", "locality"},
    {"website", "url", "web", "homepage"},
    {"qty", "quantity"},
    {"rate", "unitprice", "price", "prices"},
    {"leadvalue", "value"},
    {"projectcost", "budget"},
    {"duedate", "datedue", "duedateat"},
    {"firstname", "givenname"},
    {"lastname", "surname", "familyname"},
    {"sku", "commoditycode", "itemcode", "productcode"},
    {"currency", "currencyid", "defaultcurrency"},
    {"clientid", "customerid"},
)
#: record ids are never mapped as fields
_IDS = frozenset({"id", "userid", "uid", "guid", "uuid", "recordid", "externalid"})
_MIN_SCORE = 0.6


def normalize(name: str) -> str:
    """'companyName' / 'company_name' / 'Company Name' -> 'companyname'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^a-z0-9]", "", spaced.lower())


def similarity(a: str, b: str) -> float:
    """1.0 same name, 0.9 known synonyms, 0.8 one name inside the other, else a damped edit ratio."""
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    if any(na in group and nb in group for group in _SYNONYMS):
        return 0.9
    if min(len(na), len(nb)) >= 3 and (na in nb or nb in na):
        return 0.8
    return round(SequenceMatcher(None, na, nb).ratio() * 0.75, 3)


def auto_suggest(crm_fields: Sequence[str], erp_fields: Sequence[str]) -> list[tuple[str, str, float]]:
    """(crm field, erp field, score) pairs, each field used once, best matches first claimed;
    returned in the order of `crm_fields`. Record id fields are skipped."""
    candidates = [
        (similarity(c, e), ci, ei)
        for ci, c in enumerate(crm_fields) if normalize(c) not in _IDS
        for ei, e in enumerate(erp_fields) if normalize(e) not in _IDS
    ]
    candidates.sort(key=lambda item: (-item[0], item[1], item[2]))
    used_crm: set[int] = set()
    used_erp: set[int] = set()
    chosen: list[tuple[int, int, float]] = []
    for score, ci, ei in candidates:
        if score < _MIN_SCORE:
            break
        if ci in used_crm or ei in used_erp:
            continue
        used_crm.add(ci)
        used_erp.add(ei)
        chosen.append((ci, ei, score))
    chosen.sort()
    return [(crm_fields[ci], erp_fields[ei], score) for ci, ei, score in chosen]
