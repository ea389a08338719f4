"""The demo CRM's counties and localities (the CRM module's lookup tables tblcounties and tbllocalities), with
fixed ids, and the county and locality id of a place the demo's clients name."""

from __future__ import annotations

#: (id, code, name): the counties the sandbox's and the demo CRM's clients are in, and two more
COUNTIES = [(1, "AB", "Alba"), (2, "B", "București"), (3, "BV", "Brașov"), (4, "CJ", "Cluj"), (5, "CT", "Constanța"),
            (6, "IS", "Iași"), (7, "SB", "Sibiu"), (8, "TM", "Timiș"), (9, "BY", "Bayern"),
            (10, "NRW", "Nordrhein-Westfalen"), (11, "THR", "Tehran"), (12, "ISF", "Isfahan"), (13, "FA", "Fars"),
            (14, "SV", "Suceava")]
#: (id, county id, name); as a national register writes them, some without diacritics
LOCALITIES = [(1, 3, "Brașov"), (2, 6, "Iasi"), (3, 8, "Timisoara"), (4, 2, "București"), (5, 5, "Constanța"),
              (6, 4, "Cluj-Napoca"), (7, 7, "Sibiu"), (8, 10, "Köln"), (9, 10, "Düsseldorf"), (10, 9, "München"),
              (11, 9, "Nürnberg"), (12, 11, "Tehran"), (13, 12, "Isfahan"), (14, 13, "Shiraz"), (15, 1, "Alba Iulia"),
              (16, 14, "Suceava")]
_COUNTY_IDS = {code: i for i, code, _ in COUNTIES}
_LOCALITY_IDS = {name: i for i, _, name in LOCALITIES}


def county_id(code: str | None) -> int | None:
    return _COUNTY_IDS.get(code or "")


def locality_id(name: str | None) -> int | None:
    """The id of the locality `name` (diacritics and case aside), or None."""
    from erpsync_gui.mapping.value_fill import folded

    wanted = folded(name or "")
    return next((i for n, i in _LOCALITY_IDS.items() if folded(n) == wanted), None) if wanted else None


def county_label(code: str, name: str) -> str:
    """How the CRM shows a county: "Brașov (BV)"."""
    return f"{name} ({code})"
