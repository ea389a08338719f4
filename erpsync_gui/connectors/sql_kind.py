"""The SQL database connector's catalogue entry (a CRM whose database ERPSync reaches directly)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from erpsync_gui.config.kinds import ConnectorKind, FormField
from erpsync_gui.connectors.sql_options import SqlOptions
from erpsync_gui.http.auth_kinds import SecretSpec
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side


def _server_database(endpoint: EndpointConfig, entities: Sequence[str]) -> bool:
    """A database server may need a password; a SQLite file never does."""
    try:
        return make_url(endpoint.url).get_backend_name() != "sqlite"
    except ArgumentError:
        return True


KIND = ConnectorKind(
    name="sql", label="CRM database (SQL)",
    description="A CRM whose database ERPSync reads and writes directly: Perfex CRM on MySQL/MariaDB, "
                "PostgreSQL or SQLite",
    icon="kind-database", sides=frozenset({Side.CRM, Side.ERP}), options=SqlOptions,
    factory="erpsync_gui.connectors.sql_db:SqlConnector", http=False,
    secrets=(SecretSpec("db_password", "Database password", required=False,
                        help="the database user's password, when it has one"),),
    secret_when={"db_password": _server_database},
    presets="erpsync_gui.connectors.sql_mappings:presets",
    url="database", url_label="Database URL", url_placeholder="mysql+pymysql://crm@db.example.com/perfex",
    form=(FormField("url", "Database URL", "where the CRM's database is: mysql+pymysql://user@host/db, "
                    "postgresql+psycopg://user@host/db or sqlite:///C:/crm/crm.db", required=True),
          FormField("secret:db_password", "Database password", "the database user's password"),
          FormField("preset", "Tables", "the CRM whose tables these are (perfex)")),
)
