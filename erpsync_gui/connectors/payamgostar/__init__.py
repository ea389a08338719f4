"""Payamgostar (پیام گستر) CRM: identities and sales quotes over its REST API v2."""

from erpsync_gui.connectors.payamgostar.connector import PayamgostarConnector

__all__ = ["PayamgostarConnector"]
