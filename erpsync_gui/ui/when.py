"""Moments as an administrator reads them in the status bar and the Schedule panel."""

from __future__ import annotations

from datetime import datetime


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """"today 19:00", "tomorrow 07:00", "Mon 12 Jan 07:00" in local time; "not scheduled" for None."""
    if moment is None:
        return "not scheduled"
    local = moment.astimezone() if moment.tzinfo else moment
    today = (now or datetime.now(local.tzinfo)).date()
    days = (local.date() - today).days
    day = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(days, local.strftime("%a %d %b"))
    return f"{day} {local:%H:%M}"


def tested_text(moment: datetime | None, now: datetime | None = None) -> str:
    """"tested today 14:02" for the time of an endpoint's last connection test; "never tested" for None."""
    return "never tested" if moment is None else f"tested {when_text(moment, now)}"
