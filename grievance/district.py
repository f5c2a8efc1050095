"""The district collector's view (issue 13): one district (or, for the state nodal officer, every
district) — today's complaints, pending work by officer with overdue counts, reopened and escalated,
satisfaction by department, officers ranked by on-time disposal with their volume taken into
account; and the scope rule: a collector sees only their district (Forbidden otherwise)."""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import Forbidden, InvalidInput
from grievance.views import complaints_json
from storage.queries import citizens as citizen_q
from storage.queries import district as district_q
from storage.queries import reference

DISTRICT_ROLES = ("collector",)
STATE_ROLES = ("state_nodal", "supervisor", "admin")
MEASURES = ("pending", "overdue", "reopened", "escalated")
STATES = ("registered", "at_l1", "disposed", "at_l2", "disposed_l2", "closed")
Z = 1.96  # 95 % for the Wilson lower bound
MAX_DAYS = 366


def scope(role: str, district_code: str | None, asked: str | None = None) -> str | None:
    """The district a user may look at for a request about `asked` (None: all districts).

    A collector gets their own district, and Forbidden for any other; the state-level roles get
    what they ask for."""
    asked = (asked or "").strip().upper() or None
    if role in DISTRICT_ROLES:
        if not district_code:
            raise Forbidden("this collector account has no district")
        if asked is not None and asked != district_code:
            raise Forbidden(f"you see the complaints of district {district_code} only", district=asked)
        return district_code
    if role in STATE_ROLES:
        return asked
    raise Forbidden("district lists are for collectors, the state nodal officer, supervisors and administrators")


def check_complaint(role: str, district_code: str | None, complaint_district: str, number: str) -> None:
    if role in DISTRICT_ROLES and complaint_district != district_code:
        raise Forbidden(f"complaint {number} is not of district {district_code}", number=number)


def wilson_lower(ok: int, n: int) -> float:
    """The lower bound of the on-time rate: 9 of 10 ranks below 90 of 100, as it should."""
    if n <= 0:
        return 0.0
    p = ok / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread) / (1 + Z * Z / n)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def parse_day(text: str | None, tz: ZoneInfo, now: datetime, field: str = "day") -> date:
    if not text or text == "today":
        return now.astimezone(tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


async def day_page(session: AsyncSession, district: str | None, day: date, tz: ZoneInfo, now: datetime, *,
                   days: int = 30) -> dict[str, Any]:
    """Everything the collector's page shows for `day` (and the `days` before it for the rates)."""
    start, end = day_bounds(day, tz)
    since = start - timedelta(days=days - 1)
    total, today = await district_q.listing(session, district=district, start=start, end=end, now=now, limit=50)
    pending = sorted(await district_q.pending_by_officer(session, district, now), key=lambda r: (-r[2], -r[1]))
    departments: dict[str, list[int]] = {}
    disposal: dict[str | None, list[int]] = {}
    for dept, officer, n, done, sat, dis, disposed, ok in await district_q.period_by_department_officer(
            session, district, since, end):
        row = departments.setdefault(dept, [0, 0, 0, 0])
        for i, value in enumerate((n, done, sat, dis)):
            row[i] += value
        if disposed:
            per = disposal.setdefault(officer, [0, 0])
            per[0] += disposed
            per[1] += ok
    # one query for every officer the page names, one for the day's complaints' citizens
    officers = await reference.officers_by_code(
        session, {r[0] for r in pending} | set(disposal) | {c.officer_code for c in today})
    citizens = await citizen_q.by_ids(session, [c.citizen_id for c in today])
    today_rows = await complaints_json(session, today, tz, now, officers)
    for complaint, data in zip(today, today_rows, strict=True):
        citizen = citizens.get(complaint.citizen_id)
        data["citizen_name"] = citizen.name if citizen else ""
    ranking = sorted(
        ({"officer": code, "officer_obj": officers.get(code or ""), "disposed": n, "on_time": ok,
          "on_time_pct": round(100 * ok / n, 1) if n else 0.0, "score": round(100 * wilson_lower(ok, n), 1)}
         for code, (n, ok) in disposal.items()),
        key=lambda r: (-r["score"], -r["disposed"]))
    return {
        "district": district, "day": day.isoformat(), "days": days, "since": since.date().isoformat(),
        "received_today": total, "today": today_rows,
        "pending": [{"officer": code, "officer_obj": officers.get(code or ""), "pending": n, "overdue": late,
                     "reopened": re, "escalated": esc} for code, n, late, re, esc in pending],
        "totals": {"pending": sum(r[1] for r in pending), "overdue": sum(r[2] for r in pending),
                   "reopened": sum(r[3] for r in pending), "escalated": sum(r[4] for r in pending)},
        "departments": sorted(
            ({"department": d, "received": n, "disposed": done, "satisfied": sat, "dissatisfied": dis,
              "satisfaction_pct": round(100 * sat / (sat + dis), 1) if sat + dis else None}
             for d, (n, done, sat, dis) in departments.items()), key=lambda r: -r["received"]),
        "ranking": ranking,
    }


async def complaints(session: AsyncSession, district: str | None, tz: ZoneInfo, now: datetime, *,
                     start: date | None = None, end: date | None = None, state: str | None = None,
                     officer: str | None = None, measure: str | None = None, limit: int = 200,
                     offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """A district's complaints registered from `start` to `end` (inclusive local dates), filtered."""
    if state and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}", field="state")
    if measure and measure not in MEASURES:
        raise InvalidInput(f"measure must be one of {', '.join(MEASURES)}", field="measure")
    if start and end and end < start:
        raise InvalidInput("'to' is before 'from'", field="to")
    if start and end and (end - start).days > MAX_DAYS:
        raise InvalidInput(f"ask for at most {MAX_DAYS} days at a time", field="to")
    lo = day_bounds(start, tz)[0] if start else None
    hi = day_bounds(end, tz)[1] if end else None
    total, rows = await district_q.listing(session, district=district, start=lo, end=hi, state=state,
                                           officer=officer, measure=measure, now=now, limit=limit, offset=offset)
    return total, await complaints_json(session, rows, tz, now)
