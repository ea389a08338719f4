"""Many rows' reference ids shown as codes at once read as each row shown alone does."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.unit.test_sql_payloads import demo_crm


def test_present_all_shows_each_row_as_present_does(tmp_path: Path) -> None:
    crm = demo_crm(tmp_path)
    try:
        references = crm._resolve("clients").references
        assert "country" in references
        de = crm.references.to_id("country", references["country"], "DE")
        values = [de, de, str(de), 0, "0", "", None, 999_999, "unknown", float(de), True, de]
        rows = [{"country": v, "billing_country": v, "company": "x"} for v in values] + [{"company": "no ids"}]
        alone = copy.deepcopy(rows)
        for data in alone:
            crm.references.present(references, data)
        crm.references.present_all(references, rows)
        assert [list(r.items()) for r in rows] == [list(r.items()) for r in alone]
        assert [type(r.get("country")) for r in rows] == [type(r.get("country")) for r in alone]
        assert rows[0]["country"] == "DE" and rows[3]["country"] is None and rows[7]["country"] == 999_999
    finally:
        crm.close()
