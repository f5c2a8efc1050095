"""Reference data: districts, departments, categories, officers, pause reasons."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Category, Department, District, Officer, PauseReason


async def upsert(session: AsyncSession, model: type[Any], rows: Iterable[dict[str, Any]]) -> int:
    """Insert or update rows by primary key (idempotent seeding). Returns rows touched."""
    count = 0
    for row in rows:
        await session.merge(model(**row))
        count += 1
    await session.flush()
    return count


async def districts(session: AsyncSession) -> Sequence[District]:
    return (await session.scalars(select(District).order_by(District.name_en))).all()


async def departments(session: AsyncSession) -> Sequence[Department]:
    return (await session.scalars(select(Department).order_by(Department.name_en))).all()


async def categories(session: AsyncSession) -> Sequence[Category]:
    return (await session.scalars(select(Category).order_by(Category.department_code, Category.name_en))).all()


async def pause_reasons(session: AsyncSession) -> Sequence[PauseReason]:
    return (await session.scalars(select(PauseReason).order_by(PauseReason.code))).all()


async def get_district(session: AsyncSession, code: str) -> District | None:
    return await session.get(District, code)


async def get_department(session: AsyncSession, code: str) -> Department | None:
    return await session.get(Department, code)


async def get_category(session: AsyncSession, code: str) -> Category | None:
    return await session.get(Category, code)


async def get_officer(session: AsyncSession, code: str) -> Officer | None:
    return await session.get(Officer, code)


async def find_officer(session: AsyncSession, department: str, district: str | None, level: int) -> Officer | None:
    """The active officer of `department` at `level` for `district`, or the state-level one."""
    stmt = (
        select(Officer)
        .where(Officer.department_code == department, Officer.level == level, Officer.active.is_(True))
        .where(Officer.district_code == district if district else Officer.district_code.is_(None))
        .order_by(Officer.code)
        .limit(1)
    )
    officer = (await session.scalars(stmt)).first()
    if officer is None and district is not None:
        return await find_officer(session, department, None, level)
    return officer


async def officers(session: AsyncSession) -> Sequence[Officer]:
    return (await session.scalars(select(Officer).order_by(Officer.department_code, Officer.code))).all()


async def officers_by_code(session: AsyncSession, codes: Iterable[str | None]) -> dict[str, Officer]:
    """The officers a list names, in one query (not one lookup per row); unknown codes are absent."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {o.code: o for o in (await session.scalars(select(Officer).where(Officer.code.in_(wanted)))).all()}
