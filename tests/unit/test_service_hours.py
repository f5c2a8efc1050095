"""Service hours and holidays: open or closed, across midnight, holidays and time zones."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from ivr.hours import HoursError, ServiceHours, is_open, parse_days, status

IST = ZoneInfo("Asia/Kolkata")
NY = ZoneInfo("America/New_York")


def ist(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=IST)


OFFICE = ServiceHours.parse("012345", "08:00", "20:00")  # Monday-Saturday 08:00-20:00
NIGHT = ServiceHours.parse("0123456", "20:00", "02:00")  # every evening until 02:00


def test_day_span_edges() -> None:
    # Friday 4 December 2026
    assert not is_open(OFFICE, ist(2026, 12, 4, 7, 59), IST)
    assert is_open(OFFICE, ist(2026, 12, 4, 8, 0), IST)
    assert is_open(OFFICE, ist(2026, 12, 4, 19, 59), IST)
    assert not is_open(OFFICE, ist(2026, 12, 4, 20, 0), IST)  # the end is exclusive
    assert not is_open(OFFICE, ist(2026, 12, 6, 12, 0), IST)  # Sunday


def test_next_change_skips_the_day_off() -> None:
    s = status(OFFICE, ist(2026, 12, 5, 21, 0), IST)  # Saturday night
    assert not s.open and s.next_change == ist(2026, 12, 7, 8, 0)  # Monday morning
    s = status(OFFICE, ist(2026, 12, 7, 9, 0), IST)
    assert s.open and s.next_change == ist(2026, 12, 7, 20, 0)


def test_span_across_midnight_belongs_to_the_day_it_starts() -> None:
    assert is_open(NIGHT, ist(2026, 12, 4, 23, 30), IST)
    assert is_open(NIGHT, ist(2026, 12, 5, 1, 59), IST)
    assert not is_open(NIGHT, ist(2026, 12, 5, 2, 0), IST)
    s = status(NIGHT, ist(2026, 12, 5, 0, 30), IST)
    assert s.open and s.next_change == ist(2026, 12, 5, 2, 0)
    friday_only = ServiceHours.parse("4", "22:00", "06:00")
    assert is_open(friday_only, ist(2026, 12, 5, 5, 0), IST)  # Saturday 05:00, Friday's shift
    assert not is_open(friday_only, ist(2026, 12, 5, 22, 30), IST)  # Saturday evening: no shift


def test_holiday_cancels_the_span_that_starts_on_it() -> None:
    diwali = {date(2026, 11, 8)}  # a Sunday: use the night shift
    assert not is_open(NIGHT, ist(2026, 11, 8, 21, 0), IST, diwali)
    assert is_open(NIGHT, ist(2026, 11, 8, 1, 0), IST, diwali)  # the shift begun on the 7th ends as planned
    republic = {date(2027, 1, 26)}  # a Tuesday
    s = status(OFFICE, ist(2027, 1, 25, 20, 30), IST, republic)
    assert not s.open and s.next_change == ist(2027, 1, 27, 8, 0)


def test_twenty_four_hours_and_always_open() -> None:
    always = ServiceHours.parse("0123456", "00:00", "00:00")
    s = status(always, ist(2026, 12, 4, 3, 0), IST)
    assert s.open and s.next_change is None
    assert status(None, ist(2026, 12, 4, 3, 0), IST) == status(always, ist(2026, 12, 4, 3, 0), IST)
    weekdays = ServiceHours.parse("01234", "00:00", "00:00")
    s = status(weekdays, ist(2026, 12, 4, 3, 0), IST)  # Friday: open until Saturday 00:00
    assert s.open and s.next_change == ist(2026, 12, 5, 0, 0)
    s = status(always, ist(2026, 12, 4, 3, 0), IST, {date(2026, 12, 5)})
    assert s.open and s.next_change == ist(2026, 12, 5, 0, 0)


def test_instant_in_another_zone_is_judged_in_the_helplines_zone() -> None:
    at = datetime(2026, 12, 4, 2, 45, tzinfo=timezone.utc)  # 08:15 IST, 21:45 the day before in New York
    assert is_open(OFFICE, at, IST)
    assert not is_open(OFFICE, at, NY)
    assert status(OFFICE, at, NY).next_change == datetime(2026, 12, 4, 8, 0, tzinfo=NY)


def test_daylight_saving_keeps_the_local_opening_time() -> None:
    # New York moves its clocks on 8 March 2026: opening stays at 08:00 local
    s = status(OFFICE, datetime(2026, 3, 7, 21, 0, tzinfo=NY), NY)
    assert s.next_change == datetime(2026, 3, 9, 8, 0, tzinfo=NY)
    assert s.next_change.utcoffset() != datetime(2026, 3, 7, 8, 0, tzinfo=NY).utcoffset()
    night = ServiceHours.parse("5", "22:00", "06:00")  # Saturday night across the change
    assert is_open(night, datetime(2026, 3, 8, 5, 30, tzinfo=NY), NY)
    assert not is_open(night, datetime(2026, 3, 8, 6, 0, tzinfo=NY), NY)


def test_closed_for_good_has_no_next_change() -> None:
    monday = ServiceHours.parse("0", "08:00", "20:00")
    every_monday = {date(2026, 12, 7) + (date(2026, 12, 14) - date(2026, 12, 7)) * k for k in range(60)}
    s = status(monday, ist(2026, 12, 4, 9, 0), IST, every_monday)
    assert not s.open and s.next_change is None


def test_bad_hours_are_refused() -> None:
    with pytest.raises(HoursError, match="at least one day"):
        ServiceHours.parse("", "08:00", "20:00")
    with pytest.raises(HoursError, match="08:00"):
        ServiceHours.parse("0", "8", "20:00")
    with pytest.raises(HoursError, match="impossible"):
        ServiceHours.parse("0", "24:30", "20:00")
    with pytest.raises(HoursError, match="unknown day"):
        parse_days("mon,xyz")
    assert parse_days(["sat", "Mon"]) == "05"
