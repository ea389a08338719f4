"""A new project's settings and members, as Perfex's admin form gives them.

The form (views/admin/projects/project.php) checks every project setting for a new project, copying the
last project's values where there is one, and never checks hide_tasks_on_main_tasks_table::

    $checked = ' checked';
    ... foreach ($last_project_settings as $last_setting) {
        if ($setting == $last_setting['name']) {
            // hide_tasks_on_main_tasks_table is not applied on most used settings to prevent confusions
            if ($last_setting['value'] == 0 || $last_setting['name'] == 'hide_tasks_on_main_tasks_table') {
                $checked = '';
    ... if (count($last_project_settings) == 0 && $setting == 'hide_tasks_on_main_tasks_table') $checked = '';

Projects_model::add then writes one tblproject_settings row per setting (1 checked, 0 not;
available_features is a PHP-serialized map of the project tabs shown, each 1), and one tblproject_members
row per member. Without settings rows a customer's portal shows the project with none of its tabs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from erpsync_gui.connectors.perfex.php import serialize_flags
from erpsync_gui.connectors.perfex.settings import table
from erpsync_gui.connectors.sql_schema import SchemaCatalog

SETTINGS = "tblproject_settings"
MEMBERS = "tblproject_members"
#: Projects_model::$project_settings (Perfex 2.7)
SETTING_NAMES = (
    "available_features", "view_tasks", "create_tasks", "edit_tasks", "comment_on_tasks", "view_task_comments",
    "view_task_attachments", "view_task_checklist_items", "upload_on_tasks", "view_task_total_logged_time",
    "view_finance_overview", "upload_files", "open_discussions", "view_milestones", "view_gantt",
    "view_timesheets", "view_activity_log", "view_team_members", "hide_tasks_on_main_tasks_table",
)
#: the project tabs of get_project_tabs_admin() a customer may be shown (slugs of Perfex 2.7)
PROJECT_TABS = (
    "project_overview", "project_tasks", "project_timesheets", "project_milestones", "project_files",
    "project_discussions", "project_gantt", "project_tickets", "project_contracts", "project_invoices",
    "project_estimates", "project_expenses", "project_credit_notes", "project_subscriptions", "project_notes",
    "project_activity",
)
NEVER_CHECKED = "hide_tasks_on_main_tasks_table"


def new_settings(conn: Connection, catalog: SchemaCatalog, before: Any) -> dict[str, str]:
    """The settings of a new project: the form's defaults, taken from the last project made before `before`."""
    settings = table(catalog, SETTINGS)
    projects = table(catalog, "tblprojects")
    last: dict[str, str] = {}
    if settings is not None and projects is not None:
        previous = conn.execute(select(projects.c.id).where(projects.c.id < before)
                                .order_by(projects.c.id.desc()).limit(1)).scalar()
        if previous is not None:
            rows = conn.execute(select(settings.c.name, settings.c.value).where(settings.c.project_id == previous))
            last = {str(name): "" if value is None else str(value) for name, value in rows}
    values = {}
    for name in SETTING_NAMES:
        if name == "available_features":
            values[name] = last.get(name) or serialize_flags(dict.fromkeys(PROJECT_TABS, 1))
        elif name == NEVER_CHECKED:
            values[name] = "0"
        else:
            values[name] = "0" if last.get(name) == "0" else "1"
    return values


def default_members(conn: Connection, catalog: SchemaCatalog, chosen: Sequence[int] | None) -> list[int]:
    """The members of a new project: the endpoint's choice, else the first active administrator (the form
    preselects the staff member who creates it; our writes are made by no staff member)."""
    if chosen is not None:
        return list(chosen)
    staff = table(catalog, "tblstaff")
    if staff is None or "staffid" not in staff.c:
        return []
    query = select(staff.c.staffid).order_by(staff.c.staffid).limit(1)
    if "admin" in staff.c:
        query = query.where(staff.c.admin == 1)
    if "active" in staff.c:
        query = query.where(staff.c.active == 1)
    first = conn.execute(query).scalar()
    return [] if first is None else [int(first)]


def add(conn: Connection, catalog: SchemaCatalog, keys: Sequence[Any], members: Sequence[int]) -> None:
    """Settings and member rows of the projects `keys`, just inserted."""
    settings = table(catalog, SETTINGS)
    if settings is not None and keys:
        values = new_settings(conn, catalog, min(keys))
        conn.execute(settings.insert(), [{"project_id": k, "name": n, "value": v} for k in keys
                                         for n, v in values.items()])
    found = table(catalog, MEMBERS)
    if found is not None and members and keys:
        conn.execute(found.insert(), [{"project_id": k, "staff_id": m} for k in keys for m in members])


def forget(conn: Connection, catalog: SchemaCatalog, key: Any) -> None:
    """Projects_model::delete takes the project's settings and members with it."""
    for name in (SETTINGS, MEMBERS):
        found = table(catalog, name)
        if found is not None:
            conn.execute(delete(found).where(found.c.project_id == key))
