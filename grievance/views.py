"""Complaints as JSON-ready dicts (API responses, screen pops, officer pages)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import routing
from storage.models import Complaint, ComplaintEvent, Officer
from storage.queries import complaints as complaint_q
from storage.queries import reference
from storage.queries import transfer_requests as transfer_q


def iso(at: datetime | None, tz: ZoneInfo) -> str | None:
    return at.astimezone(tz).isoformat(timespec="seconds") if at else None


def officer_json(officer: Officer | None) -> dict[str, Any] | None:
    if officer is None:
        return None
    return {"code": officer.code, "name": officer.name_en, "name_hi": officer.name_hi, "level": officer.level}


async def complaint_json(session: AsyncSession, complaint: Complaint, tz: ZoneInfo, now: datetime, *,
                         with_events: bool = False) -> dict[str, Any]:
    officer = await reference.get_officer(session, complaint.officer_code) if complaint.officer_code else None
    data = _complaint_dict(complaint, officer, tz, now)
    if with_events:
        events = await complaint_q.events(session, complaint.id)
        data["events"] = [event_json(e, tz) for e in events]
        data["interim"] = _interim(complaint, events, tz)
        data["transfer_request"] = await _pending_transfer(session, complaint, tz)
    return data


async def complaints_json(session: AsyncSession, complaints: Sequence[Complaint], tz: ZoneInfo, now: datetime,
                          officers: Mapping[str, Officer] | None = None) -> list[dict[str, Any]]:
    """A list of complaints as complaint_json gives each (without events), their officers read in
    one query (a page of 50 or 100 rows asks once, not once per row), or taken from `officers` when
    the caller read them already."""
    if officers is None:
        officers = await reference.officers_by_code(session, (c.officer_code for c in complaints))
    return [_complaint_dict(c, officers.get(c.officer_code) if c.officer_code else None, tz, now)
            for c in complaints]


def _complaint_dict(complaint: Complaint, officer: Officer | None, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    overdue = routing.is_overdue(complaint.state, complaint.due_at, now)
    return {
        "number": complaint.number,
        "state": complaint.state,
        "level": complaint.level,
        "phone": complaint.phone,
        "citizen_id": complaint.citizen_id,
        "district": complaint.district_code,
        "department": complaint.department_code,
        "category": complaint.category_code,
        "description": complaint.description,
        "channel": complaint.channel,
        "registered_at": iso(complaint.registered_at, tz),
        "due_at": iso(complaint.due_at, tz),
        "disposed_at": iso(complaint.disposed_at, tz),
        "closed_at": iso(complaint.closed_at, tz),
        "overdue": overdue,
        "days_overdue": routing.days_overdue(complaint.due_at, now) if overdue else 0,
        "reopen_count": complaint.reopen_count,
        "escalated": complaint.escalated,
        "feedback": complaint.feedback,
        "l1_report": complaint.l1_report,
        "l2_report": complaint.l2_report,
        "officer": officer_json(officer),
        "expected_at": iso(complaint.expected_at, tz),
    }


def _interim(complaint: Complaint, events: Sequence[ComplaintEvent], tz: ZoneInfo) -> dict[str, Any] | None:
    """The officer's latest interim reply while the complaint is still open with them: what has
    been started and by when (what an agent tells a citizen who calls for the status)."""
    if complaint.expected_at is None or complaint.state not in ("at_l1", "at_l2"):
        return None
    last = next((e for e in reversed(events) if e.action == "interim"), None)
    if last is None:
        return None
    return {"at": iso(last.at, tz), "by": last.actor, "text": (last.detail or {}).get("text", ""),
            "expected_on": (last.detail or {}).get("expected_on"), "expected_at": iso(complaint.expected_at, tz)}


async def _pending_transfer(session: AsyncSession, complaint: Complaint, tz: ZoneInfo) -> dict[str, Any] | None:
    """A transfer asked for and not yet decided: where the complaint may move, asked when and why."""
    row = await transfer_q.pending_for_complaint(session, complaint.id)
    if row is None:
        return None
    officer = await reference.get_officer(session, row.to_officer_code)
    return {"id": row.id, "to_officer": row.to_officer_code, "to_officer_ref": officer_json(officer),
            "to_district": officer.district_code if officer else None,
            "to_department": officer.department_code if officer else None,
            "reason": row.reason, "requested_by": row.requested_by, "requested_at": iso(row.requested_at, tz)}


def event_json(event: ComplaintEvent, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "at": iso(event.at, tz),
        "actor_kind": event.actor_kind,
        "actor": event.actor,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "detail": event.detail,
    }
