"""Files kept with complaints (the bytes are in the attachment store; these are their rows)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ComplaintAttachment


async def add(session: AsyncSession, row: ComplaintAttachment) -> ComplaintAttachment:
    session.add(row)
    await session.flush()
    return row


async def for_complaint(session: AsyncSession, complaint_id: int) -> Sequence[ComplaintAttachment]:
    stmt = (select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == complaint_id)
            .order_by(ComplaintAttachment.id))
    return (await session.scalars(stmt)).all()


async def count_for(session: AsyncSession, complaint_id: int) -> int:
    stmt = select(func.count()).select_from(ComplaintAttachment).where(ComplaintAttachment.complaint_id == complaint_id)
    return int(await session.scalar(stmt) or 0)


async def by_id(session: AsyncSession, attachment_id: int) -> ComplaintAttachment | None:
    return await session.get(ComplaintAttachment, attachment_id)
