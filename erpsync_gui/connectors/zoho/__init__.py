"""Zoho CRM (API v8): the connector, its protocol client, options and module catalogue."""

from erpsync_gui.connectors.zoho.connector import ZohoConnector

__all__ = ["ZohoConnector"]
