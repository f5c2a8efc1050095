"""PostgreSQL advisory locks held on one dedicated connection (cti.lease.PgLease)."""
from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lease name (pg_advisory_lock takes a bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


async def prepare(conn: AsyncConnection, keepalive_s: int) -> None:
    """Let the server notice a vanished holder within about 3 × keepalive_s (not hours)."""
    await conn.execute(text(f"SET tcp_keepalives_idle = {int(keepalive_s)}"))
    await conn.execute(text(f"SET tcp_keepalives_interval = {int(keepalive_s)}"))
    await conn.execute(text("SET tcp_keepalives_count = 3"))
    await conn.commit()


async def try_lock(conn: AsyncConnection, key: int) -> bool:
    held = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
    await conn.commit()
    return held


async def still_held(conn: AsyncConnection, key: int) -> bool:
    """True while this connection holds the lock (a round trip: proves the connection lives)."""
    held = bool(await conn.scalar(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
        "AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :key"), {"key": key}))
    await conn.commit()
    return held


async def unlock(conn: AsyncConnection, key: int) -> None:
    await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    await conn.commit()
