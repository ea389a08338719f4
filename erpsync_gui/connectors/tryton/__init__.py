"""The Tryton ERP connector (JSON-RPC): see connector.py."""

from erpsync_gui.connectors.tryton.connector import TrytonConnector

__all__ = ["TrytonConnector"]
