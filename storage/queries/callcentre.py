"""Aggregates for the call-centre reports, over the stored `calls` and `agent_state_changes`."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AgentStateChange, Call

WAIT_BUCKETS = (10, 30, 60, 120, 300)  # upper bounds in seconds; the last bucket is open


def _inbound(start: datetime, end: datetime) -> Any:
    return and_(Call.started_at >= start, Call.started_at < end, Call.direction == "inbound",
                Call.queue.is_not(None))


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _epoch(session: AsyncSession, column: Any) -> Any:
    if session.bind.dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Integer)
    return cast(func.strftime("%s", column), Integer)


def _measures(sl_seconds: int) -> list[Any]:
    answered = Call.outcome == "answered"
    return [
        func.count().label("offered"),
        _count_if(answered).label("answered"),
        _count_if(Call.outcome == "abandoned").label("abandoned"),
        _count_if(Call.outcome == "timeout").label("timeout"),
        _count_if(Call.outcome == "callback").label("callback"),
        _count_if(and_(answered, Call.wait_s <= sl_seconds)).label("answered_in_sl"),
        func.coalesce(func.sum(case((answered, Call.wait_s), else_=0)), 0).label("wait_answered_s"),
        func.coalesce(func.sum(case((answered, Call.talk_s), else_=0)), 0).label("talk_s"),
        func.coalesce(func.max(Call.wait_s), 0).label("max_wait_s"),
    ]


async def totals(session: AsyncSession, start: datetime, end: datetime, sl_seconds: int,
                 by_queue: bool = False) -> list[dict[str, Any]]:
    cols = _measures(sl_seconds)
    if not by_queue:
        return [dict((await session.execute(select(*cols).where(_inbound(start, end)))).one()._mapping)]
    stmt = select(Call.queue.label("queue"), *cols).where(_inbound(start, end)).group_by(Call.queue).order_by(Call.queue)
    return [dict(r._mapping) for r in (await session.execute(stmt)).all()]


async def by_hour(session: AsyncSession, start: datetime, end: datetime, offset_s: int) -> list[dict[str, Any]]:
    """Offered, answered and lost calls per local hour of day (offset: the time zone's, in seconds)."""
    hour = ((_epoch(session, Call.started_at) + offset_s) // 3600) % 24
    stmt = (select(hour.label("hour"), func.count().label("offered"),
                   _count_if(Call.outcome == "answered").label("answered"),
                   _count_if(Call.outcome.in_(("abandoned", "timeout"))).label("lost"))
            .where(_inbound(start, end)).group_by(hour).order_by(hour))
    return [dict(r._mapping) for r in (await session.execute(stmt)).all()]


async def lost_by_wait(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Abandoned and timed-out calls by how long they had waited."""
    bounds = [0, *WAIT_BUCKETS]
    cols = [_count_if(and_(Call.wait_s >= lo, Call.wait_s < hi)).label(f"{lo}-{hi}")
            for lo, hi in zip(bounds, WAIT_BUCKETS)]
    cols.append(_count_if(Call.wait_s >= WAIT_BUCKETS[-1]).label(f"{WAIT_BUCKETS[-1]}+"))
    cols.append(_count_if(Call.wait_s.is_(None)).label("unknown"))
    stmt = select(*cols).where(_inbound(start, end), Call.outcome.in_(("abandoned", "timeout")))
    return {k: int(v or 0) for k, v in (await session.execute(stmt)).one()._mapping.items()}


async def by_agent(session: AsyncSession, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Calls handled and talk time per agent (answered calls of any direction)."""
    stmt = (select(Call.agent.label("agent"), func.count().label("handled"),
                   func.coalesce(func.sum(Call.talk_s), 0).label("talk_s"))
            .where(Call.started_at >= start, Call.started_at < end, Call.outcome == "answered",
                   Call.agent.is_not(None))
            .group_by(Call.agent).order_by(Call.agent))
    return [dict(r._mapping) for r in (await session.execute(stmt)).all()]


async def dispositions(session: AsyncSession, start: datetime, end: datetime) -> list[dict[str, Any]]:
    code = func.coalesce(Call.disposition, "")
    stmt = (select(code.label("code"), func.count().label("calls"))
            .where(Call.started_at >= start, Call.started_at < end, Call.outcome == "answered",
                   Call.agent.is_not(None))
            .group_by(code).order_by(func.count().desc(), code))
    return [dict(r._mapping) for r in (await session.execute(stmt)).all()]


async def state_changes(session: AsyncSession, start: datetime, end: datetime) -> Sequence[AgentStateChange]:
    """Agent state changes in [start, end) and, per agent, the last one before `start` (its state then)."""
    before = (select(AgentStateChange.agent, func.max(AgentStateChange.id).label("id"))
              .where(AgentStateChange.at < start).group_by(AgentStateChange.agent).subquery())
    earlier = select(AgentStateChange).join(before, AgentStateChange.id == before.c.id)
    inside = select(AgentStateChange).where(AgentStateChange.at >= start, AgentStateChange.at < end)
    rows = [*(await session.scalars(earlier)).all(), *(await session.scalars(inside)).all()]
    rows.sort(key=lambda r: (r.agent, r.at, r.id))
    return rows
