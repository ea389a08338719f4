"""Alembic migrations of the state store (applied by erpsync_gui.store.db.open_store)."""
