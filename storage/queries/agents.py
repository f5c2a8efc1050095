"""Agent state history rows and the logged-in agents Helpline owns (agent_logins)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AgentLogin, AgentStateChange, User
from storage.queries import dialects


async def add_state_changes(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> int:
    """Insert agent_state_changes rows (dicts of its columns) in one statement; a change already
    written (same agent, time and state: another process wrote it before a failover) is skipped."""
    rows = list(rows)
    if rows:
        stmt = dialects.insert(session, AgentStateChange).on_conflict_do_nothing(
            index_elements=["agent", "at", "state"])
        await session.execute(stmt, rows)
    return len(rows)


async def state_changes(session: AsyncSession, agent: str, limit: int = 100) -> Sequence[AgentStateChange]:
    stmt = (select(AgentStateChange).where(AgentStateChange.agent == agent)
            .order_by(AgentStateChange.at, AgentStateChange.id).limit(limit))
    return (await session.scalars(stmt)).all()


async def user_ids_by_extension(session: AsyncSession, extensions: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(extensions))
    if not wanted:
        return {}
    rows = await session.execute(select(User.extension, User.id).where(User.extension.in_(wanted)))
    return {ext: uid for ext, uid in rows.all() if ext is not None}


async def logins(session: AsyncSession) -> Sequence[AgentLogin]:
    return (await session.scalars(select(AgentLogin).order_by(AgentLogin.extension))).all()


async def login_of(session: AsyncSession, extension: str) -> AgentLogin | None:
    return await session.get(AgentLogin, extension)


async def save_login(session: AsyncSession, *, extension: str, user_id: int, member_name: str,
                     queues: Sequence[str], paused: bool, pause_reason: str | None,
                     at: datetime) -> AgentLogin:
    """Create or update the login row of `extension`."""
    row = await session.get(AgentLogin, extension)
    if row is None:
        row = AgentLogin(extension=extension, user_id=user_id, logged_in_at=at)
        session.add(row)
    row.user_id, row.member_name, row.queues = user_id, member_name, ",".join(queues)
    row.paused, row.pause_reason, row.updated_at = paused, pause_reason, at
    await session.flush()
    return row


async def set_paused(session: AsyncSession, extension: str, paused: bool, reason: str | None,
                     at: datetime) -> None:
    row = await session.get(AgentLogin, extension)
    if row is not None:
        row.paused, row.pause_reason, row.updated_at = paused, reason, at
        await session.flush()


async def pause_if_unchanged(session: AsyncSession, extension: str, seen_at: datetime, reason: str,
                             at: datetime) -> bool:
    """Pause `extension` with `reason` only if its row is still ready and unchanged since `seen_at`
    (its updated_at when read): one statement, so an agent's own Ready or pause written meanwhile,
    by any process, is never overwritten. True if the row was paused."""
    stmt = (update(AgentLogin)
            .where(AgentLogin.extension == extension, AgentLogin.updated_at == seen_at,
                   AgentLogin.paused.is_(False))
            .values(paused=True, pause_reason=reason, updated_at=at)
            .execution_options(synchronize_session=False))
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def remove_login(session: AsyncSession, extension: str) -> None:
    await session.execute(delete(AgentLogin).where(AgentLogin.extension == extension))
