"""Administration: users' settings, and reference rows (officers, departments, categories, pause reasons)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Category, Complaint, Department, Officer, PauseReason, User


async def set_ui_language(session: AsyncSession, user_id: int, lang: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(ui_language=lang))


async def set_user_fields(session: AsyncSession, user: User, **values: Any) -> User:
    for key, value in values.items():
        setattr(user, key, value)
    await session.flush()
    return user


async def put(session: AsyncSession, model: type[Any], key: str, values: dict[str, Any]) -> Any:
    """Create or update one reference row by its code."""
    row = await session.get(model, key)
    if row is None:
        row = model(code=key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    await session.flush()
    return row


async def get(session: AsyncSession, model: type[Any], key: str) -> Any:
    return await session.get(model, key)


async def delete_pause_reason(session: AsyncSession, code: str) -> int:
    result = await session.execute(delete(PauseReason).where(PauseReason.code == code))
    return int(result.rowcount or 0)


async def open_complaints_of_officer(session: AsyncSession, officer_code: str) -> int:
    stmt = select(func.count()).select_from(Complaint).where(
        Complaint.officer_code == officer_code, Complaint.state.in_(("at_l1", "at_l2")))
    return int((await session.scalar(stmt)) or 0)


MODELS: dict[str, type[Any]] = {"department": Department, "category": Category, "officer": Officer,
                                "pause_reason": PauseReason}
