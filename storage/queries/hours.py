"""Service hours per queue, the holiday calendar and the emergency message (issue 14)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import EmergencyMessage, Holiday, ServiceHours

EMERGENCY_ID = 1


async def all_hours(session: AsyncSession) -> Sequence[ServiceHours]:
    return (await session.scalars(select(ServiceHours).order_by(ServiceHours.queue))).all()


async def hours_of(session: AsyncSession, queue: str) -> ServiceHours | None:
    return await session.get(ServiceHours, queue)


async def put_hours(session: AsyncSession, queue: str, days: str, opens: str, closes: str, by: str,
                    now: datetime) -> ServiceHours:
    row = await session.get(ServiceHours, queue)
    if row is None:
        row = ServiceHours(queue=queue)
        session.add(row)
    row.days, row.opens, row.closes, row.updated_by, row.updated_at = days, opens, closes, by, now
    await session.flush()
    return row


async def clear_hours(session: AsyncSession, queue: str) -> bool:
    result = await session.execute(delete(ServiceHours).where(ServiceHours.queue == queue))
    return bool(result.rowcount)


async def holidays(session: AsyncSession, first: str | None = None, last: str | None = None) -> Sequence[Holiday]:
    """Holidays in date order, optionally within [first, last] (YYYY-MM-DD strings sort as dates)."""
    stmt = select(Holiday).order_by(Holiday.day)
    if first is not None:
        stmt = stmt.where(Holiday.day >= first)
    if last is not None:
        stmt = stmt.where(Holiday.day <= last)
    return (await session.scalars(stmt)).all()


async def put_holiday(session: AsyncSession, day: str, name_en: str, name_hi: str, by: str) -> Holiday:
    row = await session.get(Holiday, day)
    if row is None:
        row = Holiday(day=day)
        session.add(row)
    row.name_en, row.name_hi, row.added_by = name_en, name_hi, by
    await session.flush()
    return row


async def remove_holiday(session: AsyncSession, day: str) -> bool:
    result = await session.execute(delete(Holiday).where(Holiday.day == day))
    return bool(result.rowcount)


async def emergency(session: AsyncSession) -> EmergencyMessage | None:
    return await session.get(EmergencyMessage, EMERGENCY_ID)


async def emergency_for_update(session: AsyncSession, now: datetime) -> EmergencyMessage:
    """The message's row (locked on PostgreSQL), or a new one not yet added: `save_emergency` adds it."""
    row = await session.get(EmergencyMessage, EMERGENCY_ID, with_for_update=True)
    if row is None:
        row = EmergencyMessage(id=EMERGENCY_ID, active=False, text_hi="", text_en="", version=0, updated_at=now)
    return row


async def save_emergency(session: AsyncSession, row: EmergencyMessage) -> None:
    session.add(row)
    await session.flush()
