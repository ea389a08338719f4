"""QuickBooks Online (Accounting API v3): the connector, its protocol client, options and entity catalogue."""

from erpsync_gui.connectors.quickbooks.connector import QuickBooksConnector

__all__ = ["QuickBooksConnector"]
