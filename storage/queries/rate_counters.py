"""Fixed-window counters shared by every process (the login throttle when Redis is not configured)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RateCounter


async def hit(session: AsyncSession, key: str, window: int, expires: int) -> int:
    """Add one to (key, window) and return the new count; drops the key's expired windows."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RateCounter)
    stmt = ins.values(key=key, window=window, count=1, expires=expires).on_conflict_do_update(
        index_elements=["key", "window"], set_={"count": RateCounter.count + 1}).returning(RateCounter.count)
    count = int((await session.execute(stmt)).scalar_one())
    if count == 1:
        await session.execute(delete(RateCounter).where(RateCounter.key == key, RateCounter.window < window))
    return count


async def counts(session: AsyncSession, keys: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Current counts of (key, window) pairs; a key without a row counts 0."""
    if not keys:
        return {}
    rows = await session.execute(select(RateCounter.key, RateCounter.window, RateCounter.count)
                                 .where(RateCounter.key.in_([k for k, _ in keys])))
    wanted = dict(keys)
    found = {key: count for key, window, count in rows if wanted.get(key) == window}
    return {key: found.get(key, 0) for key, _ in keys}


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(RateCounter).where(RateCounter.key == key))


async def purge(session: AsyncSession, now: int) -> int:
    """Delete every expired window (all keys); returns how many."""
    result = await session.execute(delete(RateCounter).where(RateCounter.expires < now))
    return result.rowcount or 0
