"""TallyPrime through its XML-over-HTTP interface."""

from erpsync_gui.connectors.tally.connector import TallyConnector

__all__ = ["TallyConnector"]
