"""Who owns an Asterisk's event stream: one process at a time, by a lease (issue 10, DESIGN §3).

Every `helpline serve` process keeps an AMI connection to every Asterisk (actions go out from
any process), but only the holder of that Asterisk's lease writes its call and agent rows and
publishes its pops. The lease is

- `PgLease` on PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a dedicated
  connection. The lock lives exactly as long as the holder's connection: a holder killed with
  SIGKILL loses it the moment its socket closes, and a waiting process takes it at its next try
  (every `interval`, 1 s). The holder checks its connection every `interval` (with a timeout):
  a holder that cannot reach PostgreSQL stops owning at once, before the server notices
  (TCP keepalives set on the connection make it notice within seconds, not hours).
- `FileLease` on a SQLite file: an exclusive `flock` on a file beside the database (processes
  sharing one SQLite file share one host); the kernel drops it when the holder dies.
- `LocalLease` otherwise (an in-memory database): this process is the only one.

`Leases.run(stop)` keeps trying and renewing every lease and calls `on_change(name, held)` when
a lease is won or lost.
"""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

LEASE_PREFIX = "helpline:ami-owner:"


class Lease(Protocol):
    name: str

    async def acquire(self) -> bool:
        """Try to take the lease (or confirm it is still held); True when this process holds it."""
        ...

    async def release(self) -> None: ...


class LocalLease:
    """The only process: always held."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLease:
    """An exclusive flock on `path` (held until released or the process dies)."""

    def __init__(self, name: str, path: Path) -> None:
        self.name, self.path = name, path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class PgLease:
    """A session advisory lock on a dedicated connection of its own engine (see the module docstring)."""

    def __init__(self, name: str, url: str, *, timeout: float = 3.0, keepalive_s: int = 2) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        from storage.queries import leases

        self.name = name
        self.key = leases.lock_key(LEASE_PREFIX + name)
        self.timeout, self.keepalive_s = timeout, keepalive_s
        self._engine = create_async_engine(url, poolclass=NullPool, hide_parameters=True)
        self._conn: Any = None
        self._held = False

    async def acquire(self) -> bool:
        from storage.queries import leases

        try:
            async with asyncio.timeout(self.timeout):
                if self._conn is None:
                    self._conn = await self._engine.connect()
                    await leases.prepare(self._conn, self.keepalive_s)
                if self._held:
                    self._held = await leases.still_held(self._conn, self.key)
                else:
                    self._held = await leases.try_lock(self._conn, self.key)
        except Exception as exc:  # noqa: BLE001 - PostgreSQL unreachable or slow: not the owner
            if self._held:
                log.warning("lease %s: PostgreSQL did not answer (%s: %s); giving the lease up",
                            self.name, type(exc).__name__, str(exc).splitlines()[0][:120] if str(exc) else "")
            await self._drop()
        return self._held

    async def _drop(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                async with asyncio.timeout(self.timeout):
                    await conn.close()
            except Exception:  # noqa: BLE001 - the connection is gone either way
                conn.invalidate() if hasattr(conn, "invalidate") else None

    async def release(self) -> None:
        from storage.queries import leases

        if self._conn is not None and self._held:
            try:
                async with asyncio.timeout(self.timeout):
                    await leases.unlock(self._conn, self.key)
            except Exception:  # noqa: BLE001 - closing the connection releases it anyway
                pass
        await self._drop()
        await self._engine.dispose()


def make_lease(name: str, database_url: str) -> Lease:
    """The lease kind the database allows (see the module docstring)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PgLease(name, database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        slug = hashlib.blake2b(name.encode(), digest_size=6).hexdigest()
        return FileLease(name, Path(f"{url.database}.owner-{slug}.lock"))
    return LocalLease(name)


class Leases:
    """Keeps one lease per name; reports each win and loss through `on_change(name, held)`."""

    def __init__(self, leases: Iterable[Lease], on_change: Callable[[str, bool], None], *,
                 interval: float = 1.0) -> None:
        self.leases = {lease.name: lease for lease in leases}
        self.on_change = on_change
        self.interval = interval
        self.held: dict[str, bool] = {name: False for name in self.leases}
        self.tried = asyncio.Event()  # every lease was tried once

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                for name, lease in self.leases.items():
                    held = await lease.acquire()
                    if held != self.held[name]:
                        self.held[name] = held
                        log.info("AMI %s: this process %s its event stream", name,
                                 "now owns" if held else "no longer owns")
                        self.on_change(name, held)
                self.tried.set()
                try:
                    async with asyncio.timeout(self.interval):
                        await stop.wait()
                except TimeoutError:
                    pass
        finally:
            for name, lease in self.leases.items():
                await lease.release()
                if self.held[name]:
                    self.held[name] = False
                    self.on_change(name, False)
