"""The officer's inbox and complaint page: open complaints by deadline, detail with history."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.errors import Forbidden
from grievance.views import complaint_json
from storage.queries import citizens as citizen_q
from storage.queries import complaints as complaint_q

OPEN_AT_OFFICER = ("at_l1", "at_l2")


async def inbox(session: AsyncSession, officer_code: str, tz: ZoneInfo, now: datetime) -> list[dict[str, Any]]:
    """Open complaints held by the officer, earliest deadline (so the most overdue) first."""
    rows = await complaint_q.inbox(session, officer_code, OPEN_AT_OFFICER)
    citizens = await citizen_q.by_ids(session, [c.citizen_id for c in rows])  # one query, not one per row
    out = []
    for complaint in rows:
        data = await complaint_json(session, complaint, tz, now)
        citizen = citizens.get(complaint.citizen_id)
        data["citizen_name"] = citizen.name if citizen else ""
        out.append(data)
    return out


async def complaint_page(session: AsyncSession, number: str, officer_code: str | None, tz: ZoneInfo,
                         now: datetime) -> dict[str, Any]:
    """One complaint with its history and citizen; an officer sees only the complaints they hold."""
    complaint = await service.get(session, number)
    if officer_code is not None and complaint.officer_code != officer_code:
        raise Forbidden(f"complaint {complaint.number} is assigned to another officer", number=complaint.number)
    data = await complaint_json(session, complaint, tz, now, with_events=True)
    citizen = await citizen_q.by_id(session, complaint.citizen_id)
    data["citizen"] = {"name": citizen.name, "language": citizen.language} if citizen else None
    data["actionable"] = officer_code is not None and complaint.state in OPEN_AT_OFFICER
    return data
