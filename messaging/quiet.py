"""Quiet hours: no notification is sent between, say, 21:00 and 08:00 local time."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(now: datetime, span: tuple[time, time] | None, tz: ZoneInfo) -> datetime | None:
    """When the quiet hours around `now` end (aware), or None when `now` is not in them.

    The span may cross midnight (21:00-08:00) or not (13:00-14:00); its end is exclusive.
    """
    if span is None:
        return None
    start, end = span
    local = now.astimezone(tz)
    clock = local.time()
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz)
