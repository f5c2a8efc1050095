"""The supervisor's summary: counts for a date range, overall, by department and by district."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import InvalidInput
from storage.queries import reports as report_q

MAX_DAYS = 366
COUNTS = ("received", "disposed", "closed", "pending", "overdue", "reopened", "escalated")


def period(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local dates [start, end] inclusive → UTC instants [from, to)."""
    if end < start:
        raise InvalidInput("the report's 'to' date is before its 'from' date", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days", field="to")
    lo = datetime.combine(start, time.min, tz).astimezone(timezone.utc)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(timezone.utc)
    return lo, hi


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: int(row.get(k) or 0) for k in COUNTS}
    rated = int(row.get("satisfied") or 0) + int(row.get("dissatisfied") or 0)
    out["satisfaction_pct"] = round(100.0 * int(row.get("satisfied") or 0) / rated, 1) if rated else None
    if "code" in row:
        out = {"code": row["code"], **out}
    return out


async def summary(session: AsyncSession, start: date, end: date, tz: ZoneInfo, now: datetime,
                  group_by: tuple[str, ...] = ("department", "district")) -> dict[str, Any]:
    lo, hi = period(start, end, tz)
    overall = (await report_q.summary(session, lo, hi, now))[0]
    result: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(), **_finish(overall)}
    for key in group_by:
        rows = await report_q.summary(session, lo, hi, now, group_by=key)
        result[f"by_{key}"] = [_finish(r) for r in rows]
    return result
