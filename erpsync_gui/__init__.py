"""ERPSync: keeps a CRM and an ERP/accounting system in sync in both directions."""

__version__ = "0.1.0"
APP_NAME = "ERPSync"
#: marks records we created, as the seed module's external_channel does
CHANNEL = "erpsync"
