"""When the tray app (or the service) syncs on its own: an interval or a cron line, optionally in a window."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from erpsync_gui.config.types import EntityName

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _cron(text: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a cron line (minute hour day month weekday, e.g. '0 */4 * * *'): "
                         f"{exc}") from None
    return text.strip()


class ScheduleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool = False
    interval_hours: Annotated[float, Field(gt=0, le=168, description="a number of hours above 0, up to 168 "
                                                                     "(0.25 is every 15 minutes)")] | None = 4
    cron: Annotated[str, StringConstraints(max_length=200), AfterValidator(_cron)] | None = None
    window: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")] | None = \
        Field(None, description="a time window such as 19:00-07:00")
    window_days: list[Day] = Field(default_factory=list)
    entities: list[EntityName] = Field(default_factory=list)
