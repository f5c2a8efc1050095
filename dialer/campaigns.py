"""Campaign rules, pure: the calling window, retry delays, campaign states, input checks.

Days of the week are stored as a string of Python weekday digits (0 Monday … 6 Sunday) and
shown as names (`mon` … `sun`). The window's end is exclusive: with 09:00-21:00 a call may
start at 20:59:59 and not at 21:00:00. Holidays are local dates (YYYY-MM-DD): the campaign's
own, and the helpline's holiday calendar (the same dates that close the agent queues).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config.settings import parse_window
from grievance.errors import InvalidInput, TransitionRefused

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATES = ("draft", "scheduled", "running", "paused", "completed", "cancelled")
FINAL_STATES = ("completed", "cancelled")
KINDS = ("feedback", "survey", "announcement")
#: Outcomes of a call that did not reach anyone, and the retry delay each uses.
RETRY_KEYS = ("no_answer", "busy", "congestion", "failed")
RETRY_KEY_OF = {
    "no_answer": "no_answer", "busy": "busy", "congestion": "congestion", "unreachable": "failed",
    "failed": "failed", "unknown": "failed", "no_input": "no_answer",
}
DEFAULT_RETRY_MINUTES = {"no_answer": 120, "busy": 30, "congestion": 15, "failed": 60}
LIMITS = {"max_channels": (1, 500), "calls_per_second": (0.01, 200.0), "max_attempts": (1, 10),
          "daily_cap": (1, 10)}
MAX_NAME = 150
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """When a campaign may start calls, in the helpline's time zone."""

    start: time
    end: time
    days: frozenset[int] = frozenset(range(7))
    holidays: frozenset[date] = frozenset()

    def allows(self, now: datetime, tz: ZoneInfo) -> bool:
        local = now.astimezone(tz)
        if local.weekday() not in self.days or local.date() in self.holidays:
            return False
        moment = local.time().replace(tzinfo=None)
        return self.start <= moment < self.end

    def next_opening(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """The next moment (aware, UTC) at or after `now` when calls may start; None if never (no days)."""
        if self.allows(now, tz):
            return now
        local = now.astimezone(tz)
        for offset in range(0, 370):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days or day in self.holidays:
                continue
            opening = datetime.combine(day, self.start, tzinfo=tz)
            if opening >= local:
                return opening.astimezone(now.tzinfo)
        return None

    @classmethod
    def of(cls, campaign: Any, calendar: Collection[date] = ()) -> "CallingWindow":
        """The campaign's window; `calendar` adds the helpline's holidays (grievance.holidays)
        to the campaign's own."""
        return cls(
            start=_hhmm(campaign.window_start), end=_hhmm(campaign.window_end),
            days=frozenset(int(d) for d in campaign.days if d.isdigit()),
            holidays=frozenset(date.fromisoformat(h) for h in (campaign.holidays or [])) | frozenset(calendar),
        )


def _hhmm(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def next_local_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    return midnight.astimezone(now.tzinfo)


def local_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz).astimezone(now.tzinfo)


def retry_delay(retry_minutes: dict[str, int], outcome: str) -> timedelta:
    """How long to wait before the next attempt after `outcome`."""
    key = RETRY_KEY_OF.get(outcome, "failed")
    minutes = retry_minutes.get(key, DEFAULT_RETRY_MINUTES[key])
    return timedelta(minutes=int(minutes))


# ---------------------------------------------------------------- campaign states

_MOVES = {
    "start": {"draft", "scheduled", "paused"},
    "pause": {"running", "scheduled"},
    "cancel": {"draft", "scheduled", "running", "paused"},
}


def next_state(current: str, move: str, *, scheduled_at: datetime | None, now: datetime, kind: str) -> str:
    """The state after `move` (start, pause, cancel), or TransitionRefused."""
    if move not in _MOVES:
        raise InvalidInput(f"unknown campaign action {move!r}")
    if kind == "feedback" and move == "cancel":
        raise TransitionRefused("the standing feedback campaign can be paused, not cancelled")
    if current not in _MOVES[move]:
        raise TransitionRefused(f"a {current} campaign cannot {move}", state=current)
    if move == "start":
        return "scheduled" if scheduled_at is not None and scheduled_at > now and current == "draft" else "running"
    return "paused" if move == "pause" else "cancelled"


# ---------------------------------------------------------------- input checks

@dataclass
class CampaignSpec:
    """Validated rules of a new campaign (the API and the CLI build one)."""

    name: str
    window_start: str
    window_end: str
    days: str = "0123456"
    holidays: list[str] = field(default_factory=list)
    max_channels: int = 10
    calls_per_second: float = 1.0
    max_attempts: int = 3
    retry_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RETRY_MINUTES))
    daily_cap: int = 2
    survey: list[dict[str, Any]] = field(default_factory=list)
    scheduled_at: datetime | None = None
    kind: str = "survey"
    message: dict[str, str] = field(default_factory=dict)
    confirm: dict[str, Any] = field(default_factory=dict)


def parse_days(value: Any) -> str:
    """['mon', 'tue'] or 'mon,tue' → '01'. Empty means every day is refused: at least one is needed."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    digits = set()
    for item in items:
        name = str(item).strip().lower()[:3]
        if name not in DAY_NAMES:
            raise InvalidInput(f"unknown day {item!r}: use mon, tue, wed, thu, fri, sat, sun", field="days")
        digits.add(DAY_NAMES.index(name))
    if not digits:
        raise InvalidInput("a campaign needs at least one calling day", field="days")
    return "".join(str(d) for d in sorted(digits))


def day_names(days: str) -> list[str]:
    return [DAY_NAMES[int(d)] for d in days if d.isdigit() and int(d) < 7]


def parse_holidays(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    out = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            if not _DATE.fullmatch(text):
                raise ValueError(text)
            out.add(date.fromisoformat(text).isoformat())
        except ValueError:
            raise InvalidInput(f"holiday {text!r} is not a date YYYY-MM-DD", field="holidays") from None
    return sorted(out)


def parse_retry(value: Any) -> dict[str, int]:
    """{'busy': 30, …} or 'busy=30,no_answer=120'; missing keys keep their defaults."""
    if isinstance(value, str):
        pairs: dict[str, Any] = {}
        for part in value.split(","):
            if part.strip():
                key, sep, minutes = part.partition("=")
                if not sep:
                    raise InvalidInput(f"retry delay {part!r} must look like busy=30", field="retry_minutes")
                pairs[key.strip()] = minutes.strip()
        value = pairs
    if not isinstance(value, dict):
        raise InvalidInput("retry_minutes maps no_answer, busy, congestion, failed to minutes", field="retry_minutes")
    out = dict(DEFAULT_RETRY_MINUTES)
    for key, minutes in value.items():
        if key not in RETRY_KEYS:
            raise InvalidInput(f"unknown retry outcome {key!r}: use {', '.join(RETRY_KEYS)}", field="retry_minutes")
        try:
            number = int(minutes)
        except (TypeError, ValueError):
            raise InvalidInput(f"retry delay for {key} must be whole minutes", field="retry_minutes") from None
        if not 1 <= number <= 7 * 24 * 60:
            raise InvalidInput(f"retry delay for {key} must be 1 to 10080 minutes", field="retry_minutes")
        out[key] = number
    return out


def check_limit(name: str, value: Any) -> Any:
    low, high = LIMITS[name]
    kind = float if isinstance(low, float) else int
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number", field=name) from None
    if isinstance(value, bool) or not low <= number <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name)
    return number


def check_name(name: Any) -> str:
    text = str(name or "").strip()
    if not text or len(text) > MAX_NAME or "\n" in text:
        raise InvalidInput(f"a campaign name is one line of 1-{MAX_NAME} characters", field="name")
    return text


def check_window(text: str) -> tuple[str, str]:
    try:
        start, end = parse_window(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="window") from None
    return start.strftime("%H:%M"), end.strftime("%H:%M")
