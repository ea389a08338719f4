"""A notice on PostgreSQL that a profile was saved or deleted, so a running service plans its schedule again
at once instead of at its next tick. Sent in the saving transaction: listeners hear of it once it commits, and
never of a save that was rolled back. Nothing is sent on other databases (the tray app's SQLite store)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: the LISTEN/NOTIFY channel of profile changes
PROFILES_CHANNEL = "erpsync_profiles"


def announce_profile_change(session: Session, name: str) -> None:
    """Queue the notice of a change to profile `name` in the session's transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_notify(:channel, :name)"), {"channel": PROFILES_CHANNEL, "name": name[:7000]})
