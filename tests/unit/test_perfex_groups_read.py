"""A client's customer group reads the same whether its page's ids are close together (asked for as one range)
or far apart (asked for one by one), and no other client's membership leaks into a record."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert

from erpsync_gui.records import Origin
from erpsync_gui.sandbox import demo_crm_schema
from tests.unit.test_sql_payloads import demo_crm


def test_groups_read_by_range_and_by_ids_alike(tmp_path: Path) -> None:
    crm = demo_crm(tmp_path)
    try:
        created = crm.create_many("clients", [{"company": f"C{n}", "customer_number": f"N{n}"} for n in range(30)],
                                  origins=[Origin("erp", f"E{n}") for n in range(30)])
        ids = [int(r.record.id) for r in created]
        assert all(r.data["customer_group"] is None for r in (c.record for c in created))
        with crm.engine.begin() as conn:
            conn.execute(insert(demo_crm_schema.CUSTOMERS_GROUPS), [{"name": f"G{g}"} for g in range(1, 4)])
            # client 2 in two groups (the lowest shows), client 3 in one, every 5th in group 3
            conn.execute(insert(demo_crm_schema.CUSTOMER_GROUPS), [
                {"customer_id": ids[2], "groupid": 2}, {"customer_id": ids[2], "groupid": 1},
                {"customer_id": ids[3], "groupid": 2},
                *({"customer_id": ids[k], "groupid": 3} for k in range(0, 30, 5))])
        expected = {str(i): None for i in ids}
        expected.update({str(ids[k]): 3 for k in range(0, 30, 5)})
        expected.update({str(ids[2]): 1, str(ids[3]): 2})
        for asked in (ids, ids[1:4], [ids[1], ids[4]], [ids[0], ids[29]], [ids[3]], [ids[4], ids[6], ids[8]]):
            found = crm.get_many("clients", [str(i) for i in asked])
            assert {k: r.data["customer_group"] for k, r in found.items()} == {str(i): expected[str(i)]
                                                                                 for i in asked}, asked
    finally:
        crm.close()
