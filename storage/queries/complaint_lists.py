"""Complaint lists for supervisors: drill-down from a report row, free search, an officer's open work."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Citizen, Complaint

GROUP_COLUMNS = {"department": Complaint.department_code, "district": Complaint.district_code,
                 "officer": Complaint.officer_code}
PENDING = ("registered", "at_l1", "at_l2")


async def open_of_officer(session: AsyncSession, officer_code: str, states: Sequence[str]) -> Sequence[Complaint]:
    stmt = (select(Complaint).where(Complaint.officer_code == officer_code, Complaint.state.in_(tuple(states)))
            .order_by(Complaint.due_at, Complaint.id).with_for_update())
    return (await session.scalars(stmt)).all()


async def drill(session: AsyncSession, *, start: datetime, end: datetime, group: str | None, code: str | None,
                measure: str | None, now: datetime, limit: int = 500) -> Sequence[Complaint]:
    """Complaints received in [start, end) of one report row (group = code), optionally only those a
    column counts: pending, overdue, disposed, closed, reopened, escalated."""
    stmt = select(Complaint).where(Complaint.registered_at >= start, Complaint.registered_at < end)
    if group is not None and code is not None:
        stmt = stmt.where(GROUP_COLUMNS[group] == code)
    if measure == "pending":
        stmt = stmt.where(Complaint.state.in_(PENDING))
    elif measure == "overdue":
        stmt = stmt.where(Complaint.state.in_(("at_l1", "at_l2")), Complaint.due_at < now)
    elif measure == "disposed":
        stmt = stmt.where(Complaint.state.in_(("disposed", "disposed_l2", "closed")))
    elif measure == "closed":
        stmt = stmt.where(Complaint.state == "closed")
    elif measure == "reopened":
        stmt = stmt.where(Complaint.reopen_count > 0)
    elif measure == "escalated":
        stmt = stmt.where(Complaint.escalated.is_(True))
    stmt = stmt.order_by(Complaint.registered_at.desc(), Complaint.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def find(session: AsyncSession, *, number_prefix: str | None = None, phone: str | None = None,
               name: str | None = None, limit: int = 100) -> Sequence[Complaint]:
    """Supervisor search: by the start of a complaint number, a phone, or part of a citizen's name."""
    conditions = []
    if number_prefix:
        conditions.append(Complaint.number.startswith(number_prefix))
    if phone:
        conditions.append(Complaint.phone == phone)
    if name:
        ids = select(Citizen.id).where(Citizen.name.icontains(name, autoescape=True)).scalar_subquery()
        conditions.append(Complaint.citizen_id.in_(ids))
    if not conditions:
        return []
    stmt = (select(Complaint).where(and_(or_(*conditions)))
            .order_by(Complaint.registered_at.desc(), Complaint.id.desc()).limit(limit))
    return (await session.scalars(stmt)).all()
