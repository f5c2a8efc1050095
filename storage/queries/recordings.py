"""Recordings: the queues that record, finding recorded calls, the listening audit, retention."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Call, QueueSetting, RecordingListen

FIND_LIMIT = 200


async def queue_records(session: AsyncSession, queue: str) -> bool:
    row = await session.get(QueueSetting, queue)
    return bool(row is not None and row.record)


async def call(session: AsyncSession, call_id: int) -> Call | None:
    return await session.get(Call, call_id)


async def find(session: AsyncSession, *, agent: str | None = None, caller: str | None = None,
               complaint: str | None = None, start: datetime | None = None, end: datetime | None = None,
               recorded_only: bool = True, limit: int = FIND_LIMIT) -> Sequence[Call]:
    """Answered calls, newest first, filtered by any of: the agent's extension, the caller's
    number, the complaint registered or discussed, the start time in [start, end)."""
    stmt = select(Call).where(Call.answered_at.is_not(None))
    if recorded_only:
        stmt = stmt.where(Call.recording.is_not(None))
    if agent:
        stmt = stmt.where(Call.agent == agent)
    if caller:
        stmt = stmt.where(Call.caller == caller)
    if complaint:
        stmt = stmt.where(Call.complaint_number == complaint)
    if start is not None:
        stmt = stmt.where(Call.started_at >= start)
    if end is not None:
        stmt = stmt.where(Call.started_at < end)
    return (await session.scalars(stmt.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit))).all()


async def add_listen(session: AsyncSession, call_id: int, username: str, role: str, at: datetime) -> None:
    session.add(RecordingListen(call_id=call_id, username=username, role=role, at=at))
    await session.flush()


async def listens(session: AsyncSession, limit: int = 500) -> Sequence[tuple[RecordingListen, Call]]:
    stmt = (select(RecordingListen, Call).join(Call, Call.id == RecordingListen.call_id)
            .order_by(RecordingListen.at.desc(), RecordingListen.id.desc()).limit(limit))
    return [(listen, c) for listen, c in (await session.execute(stmt)).all()]


async def expired(session: AsyncSession, before: datetime, limit: int = 1000) -> Sequence[Call]:
    """Calls whose recording is older than `before` and not deleted yet."""
    stmt = (select(Call).where(Call.recording.is_not(None), Call.recording_deleted_at.is_(None),
                               Call.started_at < before).order_by(Call.started_at).limit(limit))
    return (await session.scalars(stmt)).all()


async def mark_deleted(session: AsyncSession, call_ids: Sequence[int], at: datetime) -> None:
    if call_ids:
        await session.execute(update(Call).where(Call.id.in_(call_ids)).values(recording_deleted_at=at))
