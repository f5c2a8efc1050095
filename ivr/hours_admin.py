"""Service hours, holidays and the emergency message as supervisors and administrators change
them, and as the IVR and `GET /hours` read them. The caller owns the transaction."""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import InvalidInput, NotFound
from grievance.holidays import holiday_dates
from ivr import hours
from ivr.scripts import QUEUES
from storage.models import EmergencyMessage
from storage.queries import hours as hours_q
from storage.queries import prompts as prompt_q

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "helpline-hi"
EMERGENCY_PROMPT = "emergency"
MAX_EMERGENCY_TEXT = 1000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Renders {lang: text} as the prompt `name` (ivr.voices.PromptRenderer.render); raises on failure.
Render = Callable[[str, Mapping[str, str]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class QueueStatus:
    queue: str
    open: bool
    next_change: datetime | None
    holiday: bool  # closed because today is a holiday


def check_queue(queue: str) -> str:
    if queue not in QUEUES:
        raise InvalidInput(f"queue must be one of {', '.join(QUEUES)}", field="queue")
    return queue


async def queue_status(session: AsyncSession, queue: str, now: datetime, tz: ZoneInfo) -> QueueStatus:
    row = await hours_q.hours_of(session, queue)
    if row is None:
        return QueueStatus(queue, True, None, False)
    today = now.astimezone(tz).date()
    off = await holiday_dates(session, today - timedelta(days=1), today + timedelta(days=hours.HORIZON_DAYS))
    rule = hours.ServiceHours.parse(row.days, row.opens, row.closes)
    st = hours.status(rule, now, tz, off)
    return QueueStatus(queue, st.open, st.next_change, not st.open and today in off)


def _iso(at: datetime | None, tz: ZoneInfo) -> str | None:
    return at.astimezone(tz).isoformat() if at is not None else None


def emergency_json(row: EmergencyMessage | None, tz: ZoneInfo) -> dict[str, Any] | None:
    if row is None or not row.active:
        return None
    return {"text_hi": row.text_hi, "text_en": row.text_en, "since": _iso(row.updated_at, tz), "by": row.updated_by}


async def hours_view(session: AsyncSession, queue: str, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """`GET /hours`: the queue's open state and next change, the emergency message, every queue."""
    check_queue(queue)
    rows = {r.queue: r for r in await hours_q.all_hours(session)}
    queues = []
    main: QueueStatus | None = None
    for name in QUEUES:
        st = await queue_status(session, name, now, tz)
        row = rows.get(name)
        queues.append({"queue": name, "open": st.open, "next_change": _iso(st.next_change, tz),
                       "days": hours.day_names(row.days) if row else list(hours.DAY_NAMES),
                       "opens": row.opens if row else None, "closes": row.closes if row else None,
                       "always_open": row is None})
        if name == queue:
            main = st
    assert main is not None
    today = now.astimezone(tz).date()
    upcoming = await hours_q.holidays(session, today.isoformat(), (today + timedelta(days=366)).isoformat())
    return {"queue": queue, "open": main.open, "next_change": _iso(main.next_change, tz), "holiday": main.holiday,
            "emergency": emergency_json(await hours_q.emergency(session), tz), "queues": queues,
            "holidays": [holiday_json(h) for h in upcoming]}


def holiday_json(row: Any) -> dict[str, Any]:
    return {"day": row.day, "name_en": row.name_en, "name_hi": row.name_hi}


async def set_hours(session: AsyncSession, queue: str, days: Any, opens: str, closes: str, by: str,
                    now: datetime) -> Any:
    check_queue(queue)
    try:
        day_digits = hours.parse_days(days)
        rule = hours.ServiceHours.parse(day_digits, opens, closes)
    except hours.HoursError as exc:
        raise InvalidInput(str(exc), field="hours") from None
    return await hours_q.put_hours(session, queue, day_digits, rule.opens.strftime("%H:%M"),
                                   rule.closes.strftime("%H:%M"), by, now)


async def always_open(session: AsyncSession, queue: str) -> None:
    check_queue(queue)
    await hours_q.clear_hours(session, queue)


def check_day(text: str) -> str:
    text = text.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidInput(f"a holiday is a date YYYY-MM-DD, got {text[:20]!r}", field="day") from None


def _name(value: str, field: str) -> str:
    text = value.strip()
    if not text or len(text) > 100 or "\n" in text:
        raise InvalidInput("a holiday's name is one line of 1-100 characters", field=field)
    return text


async def add_holiday(session: AsyncSession, day: str, name_en: str, name_hi: str, by: str) -> Any:
    return await hours_q.put_holiday(session, check_day(day), _name(name_en, "name_en"), _name(name_hi, "name_hi"), by)


async def remove_holiday(session: AsyncSession, day: str) -> str:
    day = check_day(day)
    if not await hours_q.remove_holiday(session, day):
        raise NotFound(f"{day} is not in the holiday calendar", field="day")
    return day


async def set_emergency(session: AsyncSession, active: bool, text_hi: str | None, text_en: str | None, by: str,
                        now: datetime, render: Render | None) -> EmergencyMessage:
    """Switch the emergency message on or off; new texts are rendered (TTS) before it is saved.

    Switching on needs a text in both languages (given now or kept from before). A render that
    fails raises and changes nothing; nothing is written before the render (SQLite's write lock
    is not held while espeak speaks).
    """
    row = await hours_q.emergency_for_update(session, now)
    new_hi = row.text_hi if text_hi is None else text_hi.strip()
    new_en = row.text_en if text_en is None else text_en.strip()
    for field, text in (("text_hi", new_hi), ("text_en", new_en)):
        if len(text) > MAX_EMERGENCY_TEXT:
            raise InvalidInput(f"the message is longer than {MAX_EMERGENCY_TEXT} characters", field=field)
    if active and not (new_hi and new_en):
        raise InvalidInput("an emergency message needs its Hindi and English text", field="text_hi" if not new_hi else "text_en")
    changed = {lang: text for lang, text, old in (("hi", new_hi, row.text_hi), ("en", new_en, row.text_en))
               if text and (text != old or row.version == 0)}
    if changed and render is not None:
        recorded = {lang for name, lang in await prompt_q.recorded_prompts(session) if name == EMERGENCY_PROMPT}
        spoken = {lang: text for lang, text in changed.items() if lang not in recorded}
        if spoken:
            await render(EMERGENCY_PROMPT, spoken)
    if changed:
        row.version += 1
    row.text_hi, row.text_en, row.active, row.updated_by, row.updated_at = new_hi, new_en, active, by, now
    await hours_q.save_emergency(session, row)
    log.info("emergency message %s by %s (version %d)", "on" if active else "off", by, row.version)
    return row
