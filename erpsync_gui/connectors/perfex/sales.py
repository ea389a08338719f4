"""Invoices and estimates the way Perfex computes them: line taxes, totals, and the invoice status from its
payments.

Line taxes live in tblitem_tax (itemid = the tblitemable line, rel_id/rel_type = the document), written by
_maybe_insert_post_item_tax() from the form's "TAXNAME|RATE" values; the document's total_tax is their sum
(update_sales_total_tax_column). The connector presents each line's tax as the line field `taxrate` (the sum
of its rates, 0 without any) and writes one tblitem_tax row per taxed line, named after the tbltaxes row
of that rate (else the endpoint's perfex_defaults.tax_name).

The invoice status follows update_invoice_status() (invoices_helper.php, Perfex 2.x)::

    if ($original_status == 6 && $force_update == false) return false;   // drafts keep theirs
    $status = 1;
    if (isset($payments[0])) {
        if ($payments[0]['amount'] == $invoice->total) { $status = 2; }
        else { $total = array_sum(amounts);
               if ($total == $invoice->total || $total > $invoice->total) $status = 2;
               else if ($total == 0) $status = 1;
               else $status = 3; }                                            // partially paid
    } else {
        if ($invoice->total == 0) $status = 2;
        else if ($invoice->duedate != null && duedate < date('Y-m-d')) $status = 4;   // overdue
    }

Codes: 1 unpaid, 2 paid, 3 partially paid, 4 overdue, 5 cancelled, 6 draft. Cancelled invoices, like
drafts, keep their status (a person set it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select

from erpsync_gui.connectors.perfex.settings import table as table_of
from erpsync_gui.connectors.sql_schema import ChildTable, SchemaCatalog
from erpsync_gui.connectors.sql_writing import PreparedRow
from erpsync_gui.records import Record

TAXRATE = "taxrate"
ITEM_TAX = "tblitem_tax"
PAYMENTS = "tblinvoicepaymentrecords"
UNPAID, PAID, PARTIALLY_PAID, OVERDUE, CANCELLED, DRAFT = 1, 2, 3, 4, 5, 6
KEPT = (CANCELLED, DRAFT)
_CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0)).quantize(_CENT, rounding=ROUND_HALF_UP)


def rel_type(child: ChildTable) -> str:
    return str(child.fixed.get("rel_type", ""))


def present_taxes(conn: Connection, catalog: SchemaCatalog, child: ChildTable, records: Sequence[Record]) -> None:
    """Add `taxrate` (the sum of its tblitem_tax rates) to every line of `child` in `records`."""
    taxes = table_of(catalog, ITEM_TAX)
    lines = [line for r in records for line in r.data.get(child.name) or []]
    if not lines or child.pk is None:
        return
    rates: dict[Any, Decimal] = {}
    if taxes is not None:
        ids = [line[child.pk.name] for line in lines]
        query = (select(taxes.c.itemid, func.sum(taxes.c.taxrate)).where(taxes.c.itemid.in_(ids),
                 taxes.c.rel_type == rel_type(child)).group_by(taxes.c.itemid))
        rates = {item: Decimal(str(total)) for item, total in conn.execute(query)}
    for line in lines:
        line[TAXRATE] = money(rates.get(line[child.pk.name], 0))


def totals(row: PreparedRow, child: ChildTable, *, creating: bool) -> None:
    """Subtotal, total tax and total of a document whose lines are given, as Perfex's form computes them:
    subtotal = sum(qty * rate), total_tax = sum(qty * rate * taxrate / 100); a given total that differs
    from their sum by rounding keeps the difference as the adjustment. A new document without lines is
    all subtotal (Perfex requires one)."""
    lines = row.lines.get(child.name)
    if lines is None:
        if creating:
            row.values.setdefault("subtotal", money(row.values.get("total")))
            row.values.setdefault("total", money(row.values["subtotal"]))
        return
    extras = row.line_extras.get(child.name) or [{} for _ in lines]
    subtotal = Decimal("0")
    tax = Decimal("0")
    for line, extra in zip(lines, extras, strict=True):
        net = Decimal(str(line.get("qty") or 0)) * Decimal(str(line.get("rate") or 0))
        subtotal += net
        tax += net * Decimal(str(extra.get(TAXRATE) or 0)) / 100
    values = row.values
    values.setdefault("subtotal", money(subtotal))
    values.setdefault("total_tax", money(tax))
    computed = money(values["subtotal"]) + money(values["total_tax"])
    if values.get("total") is None:
        values["total"] = computed
    elif money(values["total"]) != computed:
        values.setdefault("adjustment", money(values["total"]) - computed)


def write_taxes(conn: Connection, catalog: SchemaCatalog, child: ChildTable, key: Any, extras: Sequence[Mapping],
                tax_name: str) -> None:
    """Replace the tblitem_tax rows of document `key` by one per line with a rate above 0."""
    taxes = table_of(catalog, ITEM_TAX)
    if taxes is None or child.pk is None:
        return
    kind = rel_type(child)
    conn.execute(delete(taxes).where(taxes.c.rel_id == key, taxes.c.rel_type == kind))
    order = [c for c in (child.order_by, child.pk) if c is not None]
    line_ids = conn.execute(select(child.pk).where(child.of_parents([key])).order_by(*order)).scalars().all()
    names = _tax_names(conn, catalog)
    rows = []
    for line_id, extra in zip(line_ids, extras, strict=False):
        rate = money(extra.get(TAXRATE)) if extra.get(TAXRATE) not in (None, "") else Decimal("0")
        if rate > 0:
            rows.append({"itemid": line_id, "rel_id": key, "rel_type": kind, "taxrate": rate,
                         "taxname": names.get(rate, tax_name)})
    if rows:
        conn.execute(taxes.insert(), rows)


def _tax_names(conn: Connection, catalog: SchemaCatalog) -> dict[Decimal, str]:
    """tbltaxes: the first tax name of each rate."""
    found = table_of(catalog, "tbltaxes")
    if found is None:
        return {}
    names: dict[Decimal, str] = {}
    for name, rate in conn.execute(select(found.c.name, found.c.taxrate).order_by(found.c.id)):
        names.setdefault(money(rate), str(name))
    return names


def drop_taxes(conn: Connection, catalog: SchemaCatalog, child: ChildTable, key: Any) -> None:
    taxes = table_of(catalog, ITEM_TAX)
    if taxes is not None:
        conn.execute(delete(taxes).where(taxes.c.rel_id == key, taxes.c.rel_type == rel_type(child)))


def status_from_payments(total: Any, payments: Sequence[Any], duedate: date | None, today: date,
                         current: int | None) -> int:
    """The invoice status update_invoice_status() gives (see the module docstring)."""
    if current in KEPT:
        return int(current)
    total = money(total)
    if payments:
        paid = sum((money(p) for p in payments), Decimal("0"))
        if money(payments[0]) == total or paid >= total:
            return PAID
        return UNPAID if paid == 0 else PARTIALLY_PAID
    if total == 0:
        return PAID
    if duedate is not None and duedate < today:
        return OVERDUE
    return UNPAID


def update_statuses(conn: Connection, catalog: SchemaCatalog, invoices: Table, keys: Iterable[Any],
                    today: date) -> None:
    """Set the status of each invoice in `keys` from its payments (drafts and cancelled ones are kept)."""
    wanted = sorted({k for k in keys if k is not None})
    if not wanted:
        return
    payments = table_of(catalog, PAYMENTS)
    paid: dict[Any, list[Any]] = defaultdict(list)
    if payments is not None:
        query = (select(payments.c.invoiceid, payments.c.amount).where(payments.c.invoiceid.in_(wanted))
                 .order_by(payments.c.invoiceid, payments.c.id))
        for invoice, amount in conn.execute(query):
            paid[invoice].append(amount)
    query = select(invoices.c.id, invoices.c.total, invoices.c.duedate, invoices.c.status).where(
        invoices.c.id.in_(wanted))
    row: Any
    for row in conn.execute(query).all():
        key, total, duedate, current = row
        due = duedate if isinstance(duedate, date) else None
        status = status_from_payments(total, paid.get(key, []), due, today, current)
        if status != current:
            conn.execute(invoices.update().where(invoices.c.id == key).values(status=status))
