"""Working days for deadlines: which days count, and a deadline N working days after a moment.

`WorkingCalendar` is the small interface the deadline code needs (`is_working_day`). The one built
from settings (`ConfigCalendar`) reads HELPLINE_HOLIDAYS (comma-separated YYYY-MM-DD) and
HELPLINE_WEEKLY_OFF (e.g. `sun`, `sat,sun`); `HelplineCalendar` adds the helpline's holiday table
(the IVR's calendar, edited on /admin), reloaded by the server's job loop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from collections.abc import Iterable
from typing import Protocol
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkingCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


def parse_holidays(text: str) -> frozenset[date]:
    out = set()
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        try:
            out.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"HELPLINE_HOLIDAYS: {item!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(out)


def parse_weekly_off(text: str) -> frozenset[int]:
    out = set()
    for item in (part.strip().lower()[:3] for part in (text or "").split(",")):
        if not item:
            continue
        if item not in DAYS:
            raise ValueError(f"HELPLINE_WEEKLY_OFF: {item!r} is not a day (mon … sun)")
        out.add(DAYS.index(item))
    if len(out) == 7:
        raise ValueError("HELPLINE_WEEKLY_OFF: at least one day of the week must be a working day")
    return frozenset(out)


@dataclass(frozen=True)
class ConfigCalendar:
    holidays: frozenset[date] = frozenset()
    weekly_off: frozenset[int] = frozenset({6})

    @classmethod
    def from_settings(cls, settings: object) -> "ConfigCalendar":
        return cls(parse_holidays(getattr(settings, "holidays", "")),
                   parse_weekly_off(getattr(settings, "weekly_off", "sun")))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekly_off and day not in self.holidays


@dataclass
class HelplineCalendar:
    """The settings' calendar plus the helpline's holiday calendar (the `holidays` table the
    administrator edits on /admin), refreshed by the server's job loop (`refresh`)."""

    base: ConfigCalendar
    table: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return self.base.is_working_day(day) and day not in self.table

    def refresh(self, days: "Iterable[str | date]") -> None:
        self.table = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in days)


def add_working_days(start: datetime, days: int, calendar: WorkingCalendar, tz: ZoneInfo) -> datetime:
    """The same local time `days` working days after `start` (the day of `start` does not count;
    a complaint registered on a holiday starts counting on the next working day)."""
    local = start.astimezone(tz)
    day = local.date()
    left = days
    guard = 0
    while left > 0:
        day += timedelta(days=1)
        guard += 1
        if guard > 3660:
            raise ValueError("no working day in ten years: check the holiday calendar")
        if calendar.is_working_day(day):
            left -= 1
    return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)
