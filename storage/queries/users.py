"""Users of the web console and the API."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User


async def by_username(session: AsyncSession, username: str) -> User | None:
    return (await session.scalars(select(User).where(User.username == username))).first()


async def by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def session_states(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """(id, active, role, token_version) of these users, by id (the ones that exist)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.active, User.role, User.token_version).where(User.id.in_(ids)))
    return {row.id: row for row in rows}


async def by_extension(session: AsyncSession, extension: str) -> User | None:
    return (await session.scalars(select(User).where(User.extension == extension))).first()


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def all_users(session: AsyncSession) -> Sequence[User]:
    return (await session.scalars(select(User).order_by(User.username))).all()


async def bump_token_version(session: AsyncSession, user_id: int) -> None:
    """End every session and token of the user (logout everywhere)."""
    await session.execute(update(User).where(User.id == user_id).values(token_version=User.token_version + 1))
