"""Complaints, their numbering sequence and their audit trail."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Complaint, ComplaintEvent, ComplaintSequence


async def next_sequence(session: AsyncSession, yymm: str) -> int:
    """Hand out the month's next sequence number; concurrent callers get distinct values.

    The UPDATE takes the month row's lock until the caller's transaction ends.
    """
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ComplaintSequence)
    await session.execute(ins.values(yymm=yymm, last=0).on_conflict_do_nothing(index_elements=["yymm"]))
    result = await session.execute(
        update(ComplaintSequence)
        .where(ComplaintSequence.yymm == yymm)
        .values(last=ComplaintSequence.last + 1)
        .returning(ComplaintSequence.last)
    )
    return int(result.scalar_one())


async def add(session: AsyncSession, complaint: Complaint) -> Complaint:
    session.add(complaint)
    await session.flush()
    return complaint


async def add_event(session: AsyncSession, event: ComplaintEvent) -> None:
    session.add(event)
    await session.flush()


async def by_number(session: AsyncSession, number: str, *, for_update: bool = False) -> Complaint | None:
    stmt = select(Complaint).where(Complaint.number == number)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def by_id(session: AsyncSession, complaint_id: int) -> Complaint | None:
    return await session.get(Complaint, complaint_id)


async def events(session: AsyncSession, complaint_id: int) -> Sequence[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id).order_by(ComplaintEvent.id)
    return (await session.scalars(stmt)).all()


async def search(
    session: AsyncSession,
    *,
    phone: str | None = None,
    state: str | None = None,
    officer_code: str | None = None,
    limit: int = 100,
) -> Sequence[Complaint]:
    stmt = select(Complaint)
    if phone:
        stmt = stmt.where(Complaint.phone == phone)
    if state:
        stmt = stmt.where(Complaint.state == state)
    if officer_code:
        stmt = stmt.where(Complaint.officer_code == officer_code)
    stmt = stmt.order_by(Complaint.registered_at.desc(), Complaint.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def for_citizens(session: AsyncSession, citizen_ids: Sequence[int], limit: int = 50) -> Sequence[Complaint]:
    if not citizen_ids:
        return []
    stmt = (
        select(Complaint)
        .where(Complaint.citizen_id.in_(citizen_ids))
        .order_by(Complaint.registered_at.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def inbox(session: AsyncSession, officer_code: str, states: Sequence[str]) -> Sequence[Complaint]:
    stmt = (
        select(Complaint)
        .where(Complaint.officer_code == officer_code, Complaint.state.in_(states))
        .order_by(Complaint.due_at.asc())
    )
    return (await session.scalars(stmt)).all()


async def count_for_phone_since(session: AsyncSession, phone: str, since: datetime) -> int:
    stmt = select(func.count()).select_from(Complaint).where(
        Complaint.phone == phone, Complaint.registered_at >= since
    )
    return int((await session.scalar(stmt)) or 0)
