"""Abandoned calls to call back, and the agent's disposition of a call."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Call

async def abandoned_since(session: AsyncSession, since: datetime, limit: int = 200) -> Sequence[Call]:
    stmt = (select(Call)
            .where(Call.started_at >= since, Call.direction == "inbound",
                   Call.outcome.in_(("abandoned", "timeout")))
            .order_by(Call.started_at.desc()).limit(limit))
    return (await session.scalars(stmt)).all()


async def set_disposition(session: AsyncSession, linkedid: str, disposition: str,
                          complaint_number: str | None, agent: str | None = None) -> int:
    """Record the disposition on the call(s) with this Linkedid (answered by `agent` when given);
    returns rows changed."""
    values: dict[str, Any] = {"disposition": disposition}
    if complaint_number:
        values["complaint_number"] = complaint_number
    stmt = update(Call).where(Call.linkedid == linkedid)
    if agent is not None:
        stmt = stmt.where(Call.agent == agent)
    result = await session.execute(stmt.values(**values))
    return int(result.rowcount or 0)


async def last_answered(session: AsyncSession, agent: str, since: datetime) -> Call | None:
    """The agent's latest answered call that ended after `since` (its disposition may be missing)."""
    stmt = (select(Call).where(Call.agent == agent, Call.outcome == "answered", Call.ended_at >= since)
            .order_by(Call.ended_at.desc(), Call.id.desc()).limit(1))
    return (await session.scalars(stmt)).first()
