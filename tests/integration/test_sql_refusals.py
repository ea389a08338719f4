"""A database refusing a row is a per-record error that names the column, never an outage, on every server."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.errors import PermanentError, RetryableError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.integration.test_sql_connector import OVERLAP, crm_url  # noqa: F401  (fixtures)


@pytest.fixture
def leads_like(crm_url) -> SqlConnector:  # noqa: F811
    """A table like Perfex's tblleads: `source` and `addedfrom` are NOT NULL without a default."""
    engine = create_engine(crm_url, poolclass=NullPool)
    Table("tblrequired", MetaData(), Column("id", Integer, primary_key=True, autoincrement=True),
          Column("name", String(100), nullable=False), Column("source", Integer, nullable=False),
          Column("addedfrom", Integer, nullable=False)).create(engine)
    engine.dispose()
    connector = SqlConnector(EndpointConfig(Side.CRM, "sql", crm_url, options={
        "tables": {"requests": {"table": "tblrequired"}}}), {})
    yield connector
    connector.close()


def test_a_required_column_left_out_is_a_permanent_error_naming_it(leads_like: SqlConnector) -> None:
    results = leads_like.create_many("requests", [{"name": "Fără sursă"}, {"name": "Cu sursă", "source": 1,
                                                                            "addedfrom": 0}])
    refused, written = results
    assert written.record is not None
    assert isinstance(refused.error, PermanentError) and not isinstance(refused.error, RetryableError)
    assert "source" in str(refused.error) or "addedfrom" in str(refused.error)


def test_a_null_into_a_required_column_is_a_permanent_error(leads_like: SqlConnector) -> None:
    created = leads_like.create("requests", {"name": "Bun", "source": 1, "addedfrom": 0})
    with pytest.raises(PermanentError) as refused:
        leads_like.update("requests", created.id, {"source": None})
    assert not isinstance(refused.value, RetryableError)
    assert "source" in str(refused.value)
