"""A client's contacts as Perfex keeps them: exactly one primary contact, and portal permissions.

Clients_model::add_contact (Perfex 2.7)::

    if (isset($data['is_primary'])) {
        $data['is_primary'] = 1;
        $this->db->where('userid', $customer_id);
        $this->db->update(db_prefix() . 'contacts', ['is_primary' => 0]);
    } else { $data['is_primary'] = 0; }
    $data['email_verified_at'] = date('Y-m-d H:i:s');
    ...
    } elseif ($not_manual_request == true) {
        $permissions = [];
        $_permissions = get_contact_permissions();
        $default_permissions = @unserialize(get_option('default_contact_permissions'));
        if (is_array($default_permissions)) {
            foreach ($_permissions as $permission) {
                if (in_array($permission['id'], $default_permissions)) {
                    array_push($permissions, $permission['id']);
        ...
    // update all email notifications to 0, then per permission:
    // 6 projects -> project_emails, task_emails; 3 contracts -> contract_emails; 2 estimates -> estimate_emails;
    // 1 invoices -> invoice_emails, credit_note_emails; 5 support -> ticket_emails
    foreach ($permissions as $permission) {
        $this->db->insert(db_prefix() . 'contact_permissions', ['userid' => $contact_id,
                                                               'permission_id' => $permission]);

get_contact_permissions() ids: 1 invoices, 2 estimates, 3 contracts, 4 proposals, 5 support, 6 projects.
A client's first contact is its primary one (Perfex's form preselects it); a client never keeps two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, select

from erpsync_gui.connectors.perfex.php import unserialize_list
from erpsync_gui.connectors.perfex.settings import get_option, table
from erpsync_gui.connectors.sql_schema import SchemaCatalog
from erpsync_gui.connectors.sql_writing import PreparedRow

PERMISSIONS = "tblcontact_permissions"
PERMISSION_IDS = (1, 2, 3, 4, 5, 6)
EMAIL_FLAGS = ("invoice_emails", "estimate_emails", "credit_note_emails", "contract_emails", "task_emails",
               "project_emails", "ticket_emails")
#: the notification flags each permission turns on (Clients_model::add_contact)
FLAGS_BY_PERMISSION = {1: ("invoice_emails", "credit_note_emails"), 2: ("estimate_emails",),
                       3: ("contract_emails",), 5: ("ticket_emails",), 6: ("project_emails", "task_emails")}


def default_permissions(conn: Connection, catalog: SchemaCatalog) -> list[int]:
    """get_contact_permissions() filtered by the option default_contact_permissions (none when it is unset)."""
    listed = unserialize_list(get_option(conn, catalog, "default_contact_permissions")) or []
    wanted = {str(v).strip() for v in listed}
    return [p for p in PERMISSION_IDS if str(p) in wanted]


def prepare_new(rows: Sequence[PreparedRow], contacts: Table, now: datetime, permissions: Sequence[int]) -> None:
    """Before insert: the verification stamp and the notification flags the permissions give."""
    flags = {f for p in permissions for f in FLAGS_BY_PERMISSION.get(p, ())}
    for row in rows:
        if "email_verified_at" in contacts.c:
            row.values.setdefault("email_verified_at", now)
        for flag in EMAIL_FLAGS:
            if flag in contacts.c:
                row.values.setdefault(flag, int(flag in flags))


def grant(conn: Connection, catalog: SchemaCatalog, keys: Sequence[Any], permissions: Sequence[int]) -> None:
    """The permission rows of new contacts."""
    found = table(catalog, PERMISSIONS)
    if found is not None and permissions and keys:
        conn.execute(found.insert(), [{"userid": k, "permission_id": p} for k in keys for p in permissions])


def keep_primary(conn: Connection, contacts: Table, key: Any, row: PreparedRow) -> None:
    """Before an update: a client's only primary contact stays primary (another one is made primary instead)."""
    if row.values.get("is_primary") not in (0, False, "0"):
        return
    current = conn.execute(select(contacts.c.userid, contacts.c.is_primary).where(contacts.c.id == key)).first()
    if current is None or not current.is_primary:
        return
    client = row.values.get("userid", current.userid)
    other = conn.execute(select(contacts.c.id).where(contacts.c.userid == client, contacts.c.id != key,
                                                     contacts.c.is_primary == 1).limit(1)).first()
    if other is None:
        row.values["is_primary"] = 1


def settle_primaries(conn: Connection, contacts: Table, written: Sequence[tuple[Any, PreparedRow]]) -> None:
    """After a write: a contact written as primary is the client's only one (of several written at once, the
    last, as if they had been written one after another); a client left without any gets its first contact
    as primary."""
    keys = [k for k, _ in written]
    owners = dict(conn.execute(select(contacts.c.id, contacts.c.userid).where(contacts.c.id.in_(keys))).all())
    winners: dict[Any, Any] = {}
    for key, row in written:
        if row.values.get("is_primary") in (1, True, "1"):
            winners[owners.get(key)] = key
    for client, key in winners.items():
        conn.execute(contacts.update().where(and_(contacts.c.userid == client, contacts.c.id != key,
                                                  contacts.c.is_primary != 0)).values(is_primary=0))
    ensure_primary(conn, contacts, set(owners.values()))


def ensure_primary(conn: Connection, contacts: Table, clients: Iterable[Any]) -> None:
    """Each client in `clients` with contacts but none primary gets its first contact (lowest id) as primary."""
    for client in sorted(c for c in clients if c is not None):
        primary = conn.execute(select(contacts.c.id).where(contacts.c.userid == client,
                                                           contacts.c.is_primary == 1).limit(1)).first()
        if primary is None:
            first = conn.execute(select(contacts.c.id).where(contacts.c.userid == client)
                                 .order_by(contacts.c.id).limit(1)).scalar()
            if first is not None:
                conn.execute(contacts.update().where(contacts.c.id == first).values(is_primary=1))


def forget(conn: Connection, catalog: SchemaCatalog, key: Any) -> None:
    """Clients_model::delete_contact removes the contact's permissions with it."""
    found = table(catalog, PERMISSIONS)
    if found is not None:
        conn.execute(delete(found).where(found.c.userid == key))
