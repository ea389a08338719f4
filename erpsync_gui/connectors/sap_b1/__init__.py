"""SAP Business One through its Service Layer (OData v3 at /b1s/v1, OData v4 at /b1s/v2)."""

from erpsync_gui.connectors.sap_b1.connector import SapB1Connector

__all__ = ["SapB1Connector"]
