"""Perfex CRM's own rules for the SQL connector's "perfex" preset: what Perfex's PHP code fills in, numbers
and writes beside a row, so that a row we write is one Perfex itself could have written."""
