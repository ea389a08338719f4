"""PerfexRules: the "perfex" preset's hooks into the SQL connector, table by table.

Each write hook runs in the transaction of the rows it completes, so a side row (a line tax, a contact's
permissions, a project's settings, a client's group) commits with its parent or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from erpsync_gui.connectors.perfex import contacts, groups, numbering, places, projects, required, sales
from erpsync_gui.connectors.perfex.settings import get_option, table
from erpsync_gui.connectors.sql_options import PerfexDefaults
from erpsync_gui.connectors.sql_rules import PresetRules, WriteContext
from erpsync_gui.connectors.sql_schema import ChildTable, EntityTable, SchemaCatalog
from erpsync_gui.connectors.sql_writing import PreparedRow
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import EntityInfo, FieldInfo, Record

INVOICES, ESTIMATES, CONTACTS, PROJECTS = "tblinvoices", "tblestimates", "tblcontacts", "tblprojects"
CLIENTS, TICKETS, PAYMENTS = "tblclients", "tbltickets", "tblinvoicepaymentrecords"
NUMBERED = {INVOICES: numbering.INVOICES, ESTIMATES: numbering.ESTIMATES}
#: where Perfex keeps the time zone its PHP writes datetimes in (Setup > Settings > Localization)
TIMEZONE_OPTION = "default_timezone"
_OLD_INVOICE = "__invoiceid_before"


class PerfexRules(PresetRules):
    """Perfex CRM 2.7.3's behaviour around the rows of the preset's tables."""

    whole_seconds = True

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.chosen = PerfexDefaults.model_validate(options.get("perfex_defaults") or {})

    # -- reading ---------------------------------------------------------------------------------

    def timezone(self, conn: Connection, catalog: SchemaCatalog) -> str | None:
        value = get_option(conn, catalog, TIMEZONE_OPTION)
        return value.strip() if value and value.strip() else None

    def virtual(self, et: EntityTable) -> frozenset[str]:
        name = et.table.name
        if name in NUMBERED:
            return numbering.COMPUTED
        if name == CLIENTS and _has(et, groups.MEMBERSHIP):
            return frozenset({groups.FIELD})
        return frozenset()

    def line_virtual(self, et: EntityTable, child: ChildTable) -> frozenset[str]:
        return frozenset({sales.TAXRATE}) if child.table.name == "tblitemable" else frozenset()

    def present(self, conn: Connection, et: EntityTable, records: list[Record]) -> list[Record]:
        name = et.table.name
        catalog = _catalog(et)
        if name in NUMBERED:
            pad = numbering.padding(conn, catalog)
            marker = et.marker[0].name if et.marker is not None else None
            for record in records:
                numbering.present(et.table, record.data, pad, marker)  # type: ignore[arg-type]
        for child in et.children:
            if self.line_virtual(et, child):
                sales.present_taxes(conn, catalog, child, records)
        if name == CLIENTS and _has(et, groups.MEMBERSHIP):
            groups.present(conn, catalog, records)
        return records

    def describe(self, conn: Connection, et: EntityTable, info: EntityInfo) -> EntityInfo:
        fixed = required.defaults(conn, _catalog(et), et.table, self.chosen)
        filled = required.filled(et.table)
        fields = []
        for f in info.fields:
            f = places.with_choices(conn, _catalog(et), et.table, f)
            if f.required and fixed.get(f.name) is not None:
                f = dataclasses.replace(f, required=False, default=fixed[f.name])
            elif f.required and f.name in filled:
                f = dataclasses.replace(f, required=False)
            fields.append(f)
        keys = info.key_fields
        for name in sorted(self.virtual(et)):
            if name == numbering.FORMATTED:
                fields.append(FieldInfo(name, "text", nullable=False, label="number as Perfex shows it"))
            elif name == numbering.OWN:
                fields.append(FieldInfo(name, "text", nullable=True, label="Perfex's number of a document it made"))
                keys = (name, *keys)
            else:
                fields.append(FieldInfo(name, "number", nullable=True, label="customer group id"))
        return dataclasses.replace(info, fields=tuple(fields), key_fields=keys)

    def search(self, conn: Connection, et: EntityTable, name: str, values: Sequence[Any]) -> dict[str, list[Any]]:
        if name not in numbering.COMPUTED or et.table.name not in NUMBERED:
            return super().search(conn, et, name, values)
        marker = et.marker[0].name if et.marker is not None and name == numbering.OWN else None
        return numbering.search(conn, et.table, et.pk, values, numbering.padding(conn, _catalog(et)), marker)

    # -- writing ---------------------------------------------------------------------------------

    def may_refuse_create(self, et: EntityTable) -> bool:
        return bool(required.needed(et.table))

    def created_as_inserted(self, et: EntityTable) -> bool:
        # an invoice's status follows from its payments once written; a contact written as primary makes
        # another one not primary, or a client's first contact becomes primary: both update the new row
        return et.table.name not in (INVOICES, CONTACTS)

    def present_created(self, conn: Connection, et: EntityTable, records: list[Record],
                        rows: Sequence[PreparedRow]) -> list[Record]:
        if et.table.name == CLIENTS and _has(et, groups.MEMBERSHIP) and all(groups.FIELD in r.extras for r in rows):
            # the client's only group is the one just written (groups.write replaced any membership it had)
            for record, row in zip(records, rows, strict=True):
                record.data[groups.FIELD] = groups.written(row.extras[groups.FIELD])  # type: ignore[index]
            return records
        return self.present(conn, et, records)

    def refuse_create(self, conn: Connection, et: EntityTable) -> ConfigError | None:
        missing = required.missing_choices(conn, _catalog(et), et.table, self.chosen)
        if not missing:
            return None
        names = ", ".join(f"{c.column} ({c.reference} has no row)" for c in missing)
        return ConfigError(f"{et.entity} cannot be created: Perfex requires {names}",
                           hint=f"create one in Perfex, or name one in the endpoint option perfex_defaults "
                                f"(e.g. perfex_defaults.ticket_department) for {et.table.name}")

    def before_write(self, conn: Connection, et: EntityTable, rows: Sequence[PreparedRow], ctx: WriteContext,
                     *, creating: bool, keys: Sequence[Any] = ()) -> None:
        name, catalog, today = et.table.name, ctx.catalog, ctx.local_now.date()
        if creating:
            fixed = required.defaults(conn, catalog, et.table, self.chosen)
            for row in rows:
                required.fill(row.values, et.table, fixed, today)
            if name in NUMBERED:
                numbering.assign(conn, catalog, NUMBERED[name], rows)
            if name == CONTACTS:
                contacts.prepare_new(rows, et.table, ctx.local_now, contacts.default_permissions(conn, catalog))
            if name == TICKETS:
                self._ticket_contacts(conn, catalog, rows)
        for child in et.children:  # lines are written anew on create and update alike
            for row in rows:
                if child.name in row.lines:
                    required.fill_lines(row.lines[child.name], child.table)
        if name in NUMBERED:
            for row in rows:
                for computed in numbering.COMPUTED:
                    row.extras.pop(computed, None)  # computed from the number, never stored
                for child in et.children:
                    sales.totals(row, child, creating=creating)
        if name == CONTACTS and not creating:
            for key, row in zip(keys, rows, strict=True):
                contacts.keep_primary(conn, et.table, key, row)
        if name == PAYMENTS and not creating:
            for key, row in zip(keys, rows, strict=True):
                row.extras[_OLD_INVOICE] = conn.execute(
                    select(et.table.c.invoiceid).where(et.pk == key)).scalar()

    def after_write(self, conn: Connection, et: EntityTable, keys: Sequence[Any], rows: Sequence[PreparedRow],
                    ctx: WriteContext, *, creating: bool) -> None:
        name, catalog, today = et.table.name, ctx.catalog, ctx.local_now.date()
        if name in NUMBERED:
            for child in et.children:
                if not self.line_virtual(et, child):
                    continue
                for key, row in zip(keys, rows, strict=True):
                    if child.name in row.lines:
                        sales.write_taxes(conn, catalog, child, key, row.line_extras.get(child.name, []),
                                          self.chosen.tax_name)
        if name == INVOICES:
            sales.update_statuses(conn, catalog, et.table, keys, today)
        elif name == PAYMENTS:
            invoices = table(catalog, INVOICES)
            if invoices is not None:
                affected = [row.values.get("invoiceid") for row in rows] + [row.extras.get(_OLD_INVOICE)
                                                                            for row in rows]
                if not creating:  # an update that left the invoice id alone still changes its payments
                    affected += conn.execute(select(et.table.c.invoiceid).where(et.pk.in_(list(keys)))).scalars().all()
                sales.update_statuses(conn, catalog, invoices, affected, today)
        elif name == CONTACTS:
            if creating:
                contacts.grant(conn, catalog, keys, contacts.default_permissions(conn, catalog))
            contacts.settle_primaries(conn, et.table, list(zip(keys, rows, strict=True)))
        elif name == PROJECTS and creating:
            projects.add(conn, catalog, keys,
                         projects.default_members(conn, catalog, self.chosen.project_members))
        elif name == CLIENTS:
            for key, row in zip(keys, rows, strict=True):
                if groups.FIELD in row.extras:
                    groups.write(conn, catalog, key, row.extras[groups.FIELD])

    def _ticket_contacts(self, conn: Connection, catalog: SchemaCatalog, rows: Sequence[PreparedRow]) -> None:
        """A ticket of a client is a ticket of one of its contacts: the primary one when none is given (Perfex's
        ticket form asks for the contact once a customer is chosen)."""
        found = table(catalog, CONTACTS)
        if found is None:
            return
        for row in rows:
            client = row.values.get("userid")
            if client and not row.values.get("contactid"):
                primary = conn.execute(select(found.c.id).where(found.c.userid == client)
                                       .order_by(found.c.is_primary.desc(), found.c.id).limit(1)).scalar()
                if primary is not None:
                    row.values["contactid"] = primary

    def before_delete(self, conn: Connection, et: EntityTable, key: Any) -> Mapping[str, Any]:
        column = {PAYMENTS: "invoiceid", CONTACTS: "userid"}.get(et.table.name)
        if column is None:
            return {}
        return {column: conn.execute(select(et.table.c[column]).where(et.pk == key)).scalar()}

    def after_delete(self, conn: Connection, et: EntityTable, key: Any, before: Mapping[str, Any],
                     ctx: WriteContext) -> None:
        name, catalog = et.table.name, ctx.catalog
        if name in NUMBERED:
            for child in et.children:
                sales.drop_taxes(conn, catalog, child, key)
        elif name == PAYMENTS:
            invoices = table(catalog, INVOICES)
            if invoices is not None:
                sales.update_statuses(conn, catalog, invoices, [before.get("invoiceid")], ctx.local_now.date())
        elif name == CONTACTS:
            contacts.forget(conn, catalog, key)
            contacts.ensure_primary(conn, et.table, [before.get("userid")])
        elif name == PROJECTS:
            projects.forget(conn, catalog, key)
        elif name == CLIENTS:
            groups.forget(conn, catalog, key)

    # -- connection test ---------------------------------------------------------------------------

    def findings(self, conn: Connection, catalog: SchemaCatalog) -> list[str]:
        lines = []
        for name in required.CHOICES:
            found = table(catalog, name)
            if found is None:
                continue
            for choice in required.missing_choices(conn, catalog, found, self.chosen):
                lines.append(f"{name}.{choice.column}: {choice.reference} has no row, so no record can be created "
                             f"there until one exists in Perfex (or perfex_defaults names one)")
        for name, scheme in NUMBERED.items():
            if table(catalog, name) is not None and get_option(conn, catalog, scheme.next) is None:
                lines.append(f"tbloptions has no {scheme.next}: new {name} rows are numbered from 1")
        return lines


def _catalog(et: EntityTable) -> SchemaCatalog:
    if et.catalog is None:
        raise RuntimeError(f"{et.entity} was resolved without its catalog")
    return et.catalog


def _has(et: EntityTable, name: str) -> bool:
    return table(_catalog(et), name) is not None
