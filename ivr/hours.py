"""Service hours of the agent queues, pure: open or closed at an instant, and the next change.

A queue's hours are one daily span on some days of the week, in the helpline's time zone:
`opens`-`closes` (HH:MM). A span whose `closes` is before `opens` runs past midnight and
belongs to the day it starts (Friday 20:00-02:00 is open until Saturday 02:00); `opens` equal
to `closes` is 24 hours from `opens`. A holiday (a local date of the calendar) cancels the span
that starts on that date; a night shift begun the evening before still ends as planned. A
queue with no hours set is always open. Times are wall-clock times in the zone, so a zone
with daylight saving keeps its local opening time.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.settings import parse_clock

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead `next_change` looks (a year of holidays and days off, and a little more).
HORIZON_DAYS = 400


class HoursError(ValueError):
    """Hours that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class ServiceHours:
    days: frozenset[int]
    opens: time
    closes: time

    @classmethod
    def parse(cls, days: str, opens: str, closes: str) -> "ServiceHours":
        """`days` as weekday digits ('01234' = Monday-Friday), times as HH:MM."""
        try:
            first, last = parse_clock(opens), parse_clock(closes)
        except ValueError as exc:
            raise HoursError(str(exc)) from None
        picked = frozenset(int(d) for d in days if d.isdigit() and int(d) < 7)
        if not picked:
            raise HoursError("service hours need at least one day")
        return cls(picked, first, last)

    @property
    def length(self) -> timedelta:
        start = timedelta(hours=self.opens.hour, minutes=self.opens.minute)
        end = timedelta(hours=self.closes.hour, minutes=self.closes.minute)
        span = end - start
        return span if span > timedelta(0) else span + timedelta(days=1)

    def spans(self, first: date, last: date, tz: ZoneInfo,
              holidays: Collection[date]) -> Iterator[tuple[datetime, datetime]]:
        """The open spans starting on local dates first..last (aware, in `tz`), in order."""
        day = first
        while day <= last:
            if day.weekday() in self.days and day not in holidays:
                start = datetime.combine(day, self.opens, tzinfo=tz)
                end_day = (datetime.combine(day, self.opens) + self.length)
                yield start, end_day.replace(tzinfo=tz)
            day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Status:
    open: bool
    next_change: datetime | None  # aware; None when it never changes (always open, or never open)


def status(hours: ServiceHours | None, now: datetime, tz: ZoneInfo, holidays: Collection[date] = ()) -> Status:
    """Open or not at `now`, and when that changes next (in `tz`)."""
    if hours is None:
        return Status(True, None)
    local = now.astimezone(tz)
    merged = _merged(hours.spans(local.date() - timedelta(days=1), local.date() + timedelta(days=HORIZON_DAYS),
                                 tz, frozenset(holidays)))
    for start, end in merged:
        if end <= local:
            continue
        if start <= local:
            return Status(True, None if _forever(end, local) else end)
        return Status(False, start)
    return Status(False, None)


def is_open(hours: ServiceHours | None, now: datetime, tz: ZoneInfo, holidays: Collection[date] = ()) -> bool:
    return status(hours, now, tz, holidays).open


def _merged(spans: Iterator[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Join spans that touch or overlap (24-hour days in a row are one open stretch)."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _forever(end: datetime, local: datetime) -> bool:
    """An open stretch reaching the end of the horizon: open all the time, no change to announce."""
    return end - local >= timedelta(days=HORIZON_DAYS - 1)


def day_names(days: str) -> list[str]:
    return [DAY_NAMES[int(d)] for d in sorted(set(days)) if d.isdigit() and int(d) < 7]


def parse_days(value: str | list[str]) -> str:
    """['mon', 'tue'] or 'mon,tue' → '01'."""
    items = value.split(",") if isinstance(value, str) else list(value)
    digits: set[int] = set()
    for item in items:
        name = str(item).strip().lower()[:3]
        if not name:
            continue
        if name not in DAY_NAMES:
            raise HoursError(f"unknown day {item!r}: use mon, tue, wed, thu, fri, sat, sun")
        digits.add(DAY_NAMES.index(name))
    if not digits:
        raise HoursError("service hours need at least one day")
    return "".join(str(d) for d in sorted(digits))
