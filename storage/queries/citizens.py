"""Citizens: several may share one phone number."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Citizen


async def by_phone(session: AsyncSession, phone: str) -> Sequence[Citizen]:
    return (await session.scalars(select(Citizen).where(Citizen.phone == phone).order_by(Citizen.id))).all()


async def find(session: AsyncSession, phone: str, name: str) -> Citizen | None:
    stmt = select(Citizen).where(Citizen.phone == phone, func.lower(Citizen.name) == name.lower())
    return (await session.scalars(stmt)).first()


async def add(session: AsyncSession, citizen: Citizen) -> Citizen:
    session.add(citizen)
    await session.flush()
    return citizen


async def by_id(session: AsyncSession, citizen_id: int) -> Citizen | None:
    return await session.get(Citizen, citizen_id)


async def by_ids(session: AsyncSession, citizen_ids: Sequence[int]) -> dict[int, Citizen]:
    if not citizen_ids:
        return {}
    rows = await session.scalars(select(Citizen).where(Citizen.id.in_(set(citizen_ids))))
    return {c.id: c for c in rows}
