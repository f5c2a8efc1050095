"""What the administrator sets for the agent desk: wrap-up per queue, the disposition list."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DispositionReason, QueueSetting


async def queue_settings(session: AsyncSession) -> Sequence[QueueSetting]:
    return (await session.scalars(select(QueueSetting).order_by(QueueSetting.queue))).all()


async def put_queue_setting(session: AsyncSession, queue: str, wrapup_s: int, record: bool | None = None) -> QueueSetting:
    row = await session.get(QueueSetting, queue)
    if row is None:
        row = QueueSetting(queue=queue, wrapup_s=wrapup_s, record=False)
        session.add(row)
    row.wrapup_s = wrapup_s
    if record is not None:
        row.record = record
    await session.flush()
    return row


async def dispositions(session: AsyncSession, *, active_only: bool = False) -> Sequence[DispositionReason]:
    stmt = select(DispositionReason).order_by(DispositionReason.position, DispositionReason.code)
    if active_only:
        stmt = stmt.where(DispositionReason.active.is_(True))
    return (await session.scalars(stmt)).all()


async def disposition(session: AsyncSession, code: str) -> DispositionReason | None:
    return await session.get(DispositionReason, code)


async def put_disposition(session: AsyncSession, code: str, name_en: str, name_hi: str, active: bool,
                          position: int | None = None) -> DispositionReason:
    row = await session.get(DispositionReason, code)
    if row is None:
        last = await session.scalar(select(DispositionReason.position).order_by(DispositionReason.position.desc()))
        row = DispositionReason(code=code, position=(last or 0) + 1 if position is None else position)
        session.add(row)
    row.name_en, row.name_hi, row.active = name_en, name_hi, active
    if position is not None:
        row.position = position
    await session.flush()
    return row
