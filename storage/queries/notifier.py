"""The notifier's reading of the audit trail and its daily jobs (SQL only)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Complaint, ComplaintEvent, NotifierCursor, ScheduledRun
from storage.queries.dialects import insert



async def lock_cursor(session: AsyncSession, name: str, now: datetime) -> NotifierCursor | None:
    """The cursor row, locked for this transaction; None when another process holds it
    (PostgreSQL SKIP LOCKED; SQLite serialises writers, and the decisions are idempotent)."""
    await session.execute(insert(session, NotifierCursor).values(name=name, last_event_id=0, updated_at=now)
                          .on_conflict_do_nothing(index_elements=["name"]))
    stmt = select(NotifierCursor).where(NotifierCursor.name == name).with_for_update(skip_locked=True)
    return (await session.scalars(stmt)).first()


async def events_after(session: AsyncSession, last_id: int, limit: int) -> Sequence[tuple[ComplaintEvent, Complaint]]:
    stmt = (select(ComplaintEvent, Complaint).join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(ComplaintEvent.id > last_id).order_by(ComplaintEvent.id).limit(limit))
    return [(e, c) for e, c in (await session.execute(stmt)).all()]


async def claim_run(session: AsyncSession, job: str, day: str, owner: str, now: datetime) -> bool:
    """True for the one process that records (job, day) first."""
    stmt = (insert(session, ScheduledRun).values(job=job, day=day, owner=owner, at=now)
            .on_conflict_do_nothing(index_elements=["job", "day"]).returning(ScheduledRun.job))
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def pending_due_between(session: AsyncSession, start: datetime, end: datetime) -> Sequence[Complaint]:
    stmt = (select(Complaint).where(Complaint.state.in_(("at_l1", "at_l2")), Complaint.due_at >= start,
                                    Complaint.due_at < end, Complaint.officer_code.is_not(None))
            .order_by(Complaint.officer_code, Complaint.due_at))
    return (await session.scalars(stmt)).all()


async def overdue(session: AsyncSession, now: datetime) -> Sequence[Complaint]:
    stmt = (select(Complaint).where(Complaint.state.in_(("at_l1", "at_l2")), Complaint.due_at < now,
                                    Complaint.officer_code.is_not(None))
            .order_by(Complaint.officer_code, Complaint.due_at))
    return (await session.scalars(stmt)).all()
