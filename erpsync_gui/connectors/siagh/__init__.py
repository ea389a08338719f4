"""Siagh (سیاق) finance: contacts and sales pre-invoices over its web API."""

from erpsync_gui.connectors.siagh.connector import SiaghConnector

__all__ = ["SiaghConnector"]
