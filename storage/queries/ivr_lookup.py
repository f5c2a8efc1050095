"""The IVR's read-only lookups: one indexed round trip each, only the columns a call needs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Citizen, Complaint

CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CallerSummary:
    """Who is calling from one phone: citizens on it, their open complaints, the newest citizen."""

    citizens: int
    open_complaints: int
    language: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class ComplaintStatus:
    number: str
    phone: str
    state: str
    level: int
    department_code: str
    due_at: datetime | None
    disposed_at: datetime | None
    closed_at: datetime | None


async def caller_summary(session: AsyncSession, phone: str) -> CallerSummary:
    """Counts and the newest citizen of `phone` in one statement (citizens.phone and
    complaints.phone are indexed)."""
    newest = (
        select(Citizen.language, Citizen.name)
        .where(Citizen.phone == phone)
        .order_by(Citizen.id.desc())
        .limit(1)
        .subquery()
    )
    citizens = select(func.count()).select_from(Citizen).where(Citizen.phone == phone).scalar_subquery()
    open_complaints = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.phone == phone, Complaint.state != CLOSED)
        .scalar_subquery()
    )
    stmt = select(
        citizens.label("citizens"),
        open_complaints.label("open_complaints"),
        select(newest.c.language).scalar_subquery().label("language"),
        select(newest.c.name).scalar_subquery().label("name"),
    )
    row = (await session.execute(stmt)).one()
    return CallerSummary(int(row.citizens or 0), int(row.open_complaints or 0), row.language, row.name)


async def complaint_status(session: AsyncSession, number: str) -> ComplaintStatus | None:
    """What the status flow speaks about the complaint `number` (unique index), or None."""
    stmt = select(
        Complaint.number, Complaint.phone, Complaint.state, Complaint.level, Complaint.department_code,
        Complaint.due_at, Complaint.disposed_at, Complaint.closed_at,
    ).where(Complaint.number == number)
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    return ComplaintStatus(
        number=row.number, phone=row.phone, state=row.state, level=int(row.level),
        department_code=row.department_code, due_at=row.due_at, disposed_at=row.disposed_at,
        closed_at=row.closed_at,
    )

