"""Campaign rules: calling window edges, days, holidays, retry delays, states, input checks."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from dialer import campaigns as rules
from dialer.results import contact_fate
from grievance.errors import InvalidInput, TransitionRefused

IST = ZoneInfo("Asia/Kolkata")


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST).astimezone(timezone.utc)


def window(**kw: object) -> rules.CallingWindow:
    row = SimpleNamespace(window_start="09:00", window_end="21:00", days=kw.get("days", "0123456"),
                          holidays=kw.get("holidays", []))
    return rules.CallingWindow.of(row)


def test_window_end_is_exclusive() -> None:
    w = window()
    assert w.allows(ist(2026, 11, 24, 20, 59, 59), IST)
    assert not w.allows(ist(2026, 11, 24, 21, 0, 0), IST)
    assert w.allows(ist(2026, 11, 24, 9, 0, 0), IST)
    assert not w.allows(ist(2026, 11, 24, 8, 59, 59), IST)


def test_window_uses_the_helpline_timezone_not_utc() -> None:
    # 15:29:59 UTC is 20:59:59 in Kolkata; 15:30 UTC is 21:00
    assert window().allows(datetime(2026, 11, 24, 15, 29, 59, tzinfo=timezone.utc), IST)
    assert not window().allows(datetime(2026, 11, 24, 15, 30, tzinfo=timezone.utc), IST)


def test_days_of_week_and_holidays() -> None:
    weekdays = window(days=rules.parse_days("mon,tue,wed,thu,fri,sat"))
    sunday = ist(2026, 11, 22, 12, 0)
    assert sunday.astimezone(IST).weekday() == 6
    assert not weekdays.allows(sunday, IST)
    assert weekdays.allows(ist(2026, 11, 23, 12, 0), IST)
    holiday = window(holidays=["2026-11-23"])
    assert not holiday.allows(ist(2026, 11, 23, 12, 0), IST)


def test_next_opening_skips_closed_days() -> None:
    weekdays = window(days=rules.parse_days(["mon", "tue", "wed", "thu", "fri"]))
    friday_night = ist(2026, 11, 27, 21, 0)
    assert weekdays.next_opening(friday_night, IST) == ist(2026, 11, 30, 9, 0)


def test_retry_delay_per_outcome() -> None:
    minutes = {"no_answer": 120, "busy": 30, "congestion": 15, "failed": 60}
    assert rules.retry_delay(minutes, "busy") == timedelta(minutes=30)
    assert rules.retry_delay(minutes, "no_answer") == timedelta(minutes=120)
    assert rules.retry_delay(minutes, "congestion") == timedelta(minutes=15)
    assert rules.retry_delay(minutes, "unreachable") == timedelta(minutes=60)
    assert rules.retry_delay({}, "busy") == timedelta(minutes=30)


def test_contact_fate() -> None:
    assert contact_fate("feedback", "answered", "satisfied", 1, 3) == ("completed", "answered")
    assert contact_fate("feedback", "answered", "no-input", 1, 3) == ("queued", "no_input")
    assert contact_fate("feedback", "busy", None, 2, 3) == ("queued", "busy")
    assert contact_fate("feedback", "busy", None, 3, 3) == ("failed", "busy")
    assert contact_fate("survey", "answered", "partial", 1, 3) == ("completed", "answered")
    assert contact_fate("survey", "answered", None, 1, 3) == ("queued", "failed")


def test_campaign_state_moves() -> None:
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    later = now + timedelta(hours=1)
    assert rules.next_state("draft", "start", scheduled_at=None, now=now, kind="survey") == "running"
    assert rules.next_state("draft", "start", scheduled_at=later, now=now, kind="survey") == "scheduled"
    assert rules.next_state("running", "pause", scheduled_at=None, now=now, kind="survey") == "paused"
    assert rules.next_state("paused", "start", scheduled_at=later, now=now, kind="survey") == "running"
    with pytest.raises(TransitionRefused):
        rules.next_state("completed", "start", scheduled_at=None, now=now, kind="survey")
    with pytest.raises(TransitionRefused):
        rules.next_state("running", "cancel", scheduled_at=None, now=now, kind="feedback")


@pytest.mark.parametrize("func,value", [
    (rules.parse_days, "mon,xyz"), (rules.parse_days, []), (rules.parse_holidays, "2026-13-01"),
    (rules.parse_retry, "busy"), (rules.parse_retry, {"ringing": 3}), (rules.parse_retry, {"busy": 0}),
    (rules.check_window, "21:00-09:00"), (rules.check_name, " "),
])
def test_bad_rules_are_refused_with_a_reason(func, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        func(value)


def test_limits() -> None:
    assert rules.check_limit("calls_per_second", "2.5") == 2.5
    with pytest.raises(InvalidInput):
        rules.check_limit("max_channels", 0)
    with pytest.raises(InvalidInput):
        rules.check_limit("max_attempts", True)
    assert rules.check_window("9:00-21:00") == ("09:00", "21:00")
    assert rules.CallingWindow(time(9), time(21)).days == frozenset(range(7))
