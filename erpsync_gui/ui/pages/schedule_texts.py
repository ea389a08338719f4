"""What the Schedule panel says, without Qt: a cron line's problem, an interval's name, the next run and the
next run times."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from erpsync_gui.ui.when import when_text


def cron_problem(text: str) -> str | None:
    """None when `text` is a valid five-field cron line (APScheduler's reading), else what is wrong."""
    text = text.strip()
    if not text:
        return "Enter a cron line: minute hour day month weekday, e.g. 0 */4 * * *"
    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        return f"Not a valid cron line ({exc}); e.g. 0 */4 * * *"
    return None


def interval_label(hours: float) -> str:
    """ "Every 15 minutes", "Every 4 hours", "Every 1 hour"."""
    minutes = round(hours * 60)
    if minutes < 60 or minutes % 60:
        return f"Every {minutes} minute{'s' * (minutes != 1)}"
    count = minutes // 60
    return f"Every {count} hour{'s' * (count != 1)}"


def slots_text(slots: list[datetime], now: datetime | None = None) -> str:
    """ "Next runs: today 19:00, today 23:00, Wed 03:00 …"."""
    if not slots:
        return ""
    now = (now or datetime.now().astimezone()).astimezone()
    words = []
    for slot in slots:
        local = slot.astimezone()
        days = (local.date() - now.date()).days
        day = "today" if days == 0 else "tomorrow" if days == 1 else f"{local:%a %d.%m}" if days > 6 else f"{local:%a}"
        words.append(f"{day} {local:%H:%M}")
    return "Next runs: " + ", ".join(words)


def next_run_text(moment: datetime | None, *, paused: bool, enabled: bool) -> str:
    if paused:
        return "Next run: schedule paused"
    if not enabled or moment is None:
        return "Next run: not scheduled"
    return f"Next run: {when_text(moment)}"
