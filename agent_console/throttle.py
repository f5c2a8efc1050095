"""A login spray can neither guess passwords nor stall calls.

- `PasswordPool`: scrypt runs in a small pool of worker threads (hashlib.scrypt releases the
  GIL) at a lower CPU priority, never on the event loop that also carries FastAGI, AMI and the
  dialer. The pool's queue is bounded: when it is full the login is refused at once (429, retry
  in 1 s).
- `LoginThrottle`, over counters every `helpline serve` process shares (Redis when
  `HELPLINE_REDIS_URL` is set, else the database table `rate_counters`; fixed windows):
  * 5 failures per username and address in 5 minutes → that pair waits for the window's end;
  * 30 failures with unknown usernames per address in 5 minutes → every login from the address
    waits (a spray of made-up names stops; known and unknown names are refused alike, so the
    throttle does not tell which usernames exist);
  * at most `HELPLINE_LOGIN_RATE` password checks per second in all processes together
    (default 10): beyond it a login is refused for 1 s, whoever sends it. This bounds the CPU
    a distributed spray can take from the calls.
  A refused login is answered after a 1 s pause (a tarpit), so a sprayer cannot turn fast
  refusals into an HTTP flood on the event loop.
  The client address is the socket's peer, or the X-Forwarded-For address given by one of
  `HELPLINE_TRUSTED_PROXIES` (app.py), never a header from anyone else.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from agent_console.auth import hash_password, verify_password
from common.context import AppContext
from storage.db import Database
from storage.queries import rate_counters as rate_q

log = logging.getLogger("helpline.auth")

CHECKS_KEY = "login:checks"


@dataclass(frozen=True)
class ThrottleLimits:
    per_user_address: int = 5
    unknown_per_address: int = 30
    window_s: int = 300
    checks_per_second: int = 10
    # A refused login is answered only after this pause (it costs the server nothing), so a
    # sprayer that waits for its answers knocks about once a second instead of hundreds of times.
    tarpit_s: float = 1.0


class LoginThrottled(Exception):
    def __init__(self, retry_after_s: int, who: str = "for this user from your address") -> None:
        super().__init__(f"too many failed logins {who}; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s
        self.who = who


class LoginBusy(LoginThrottled):
    """The helpline is checking as many passwords as it allows itself per second."""

    def __init__(self) -> None:
        super().__init__(1, "at this moment")


# --- counters ------------------------------------------------------------------------------------


class DbCounters:
    """Counters in the `rate_counters` table: one short transaction per operation."""

    PURGE_EVERY_S = 60.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self._purged_at = 0.0

    async def hit(self, key: str, window_s: int, now: float) -> int:
        window = int(now // window_s)
        async with self.db.session_scope() as session:
            if now - self._purged_at > self.PURGE_EVERY_S:  # windows of keys never hit again
                self._purged_at = now
                await rate_q.purge(session, int(now))
            return await rate_q.hit(session, key, window, (window + 1) * window_s)

    async def counts(self, keys: Sequence[tuple[str, int]], now: float) -> dict[str, int]:
        async with self.db.sessions() as session:
            return await rate_q.counts(session, [(k, int(now // w)) for k, w in keys])

    async def clear(self, key: str, window_s: int, now: float) -> None:
        async with self.db.session_scope() as session:
            await rate_q.clear(session, key)


class RedisCounters:
    """Counters in Redis (INCR + EXPIRE per window); the database when Redis fails."""

    def __init__(self, url: str, fallback: DbCounters, prefix: str = "helpline:rate:") -> None:
        import redis.asyncio as aioredis

        self.client: Any = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.fallback = fallback
        self.prefix = prefix

    def _name(self, key: str, window_s: int, now: float) -> str:
        return f"{self.prefix}{key}:{int(now // window_s)}"

    async def hit(self, key: str, window_s: int, now: float) -> int:
        name = self._name(key, window_s, now)
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(name).expire(name, window_s + 1).execute()
            return int(count)
        except Exception as exc:  # RedisError, OSError: keep throttling through the database
            log.warning("login throttle: Redis unavailable (%s); counting in the database", type(exc).__name__)
            return await self.fallback.hit(key, window_s, now)

    async def counts(self, keys: Sequence[tuple[str, int]], now: float) -> dict[str, int]:
        try:
            values = await self.client.mget([self._name(k, w, now) for k, w in keys])
            return {k: int(v or 0) for (k, _), v in zip(keys, values)}
        except Exception as exc:
            log.warning("login throttle: Redis unavailable (%s); counting in the database", type(exc).__name__)
            return await self.fallback.counts(keys, now)

    async def clear(self, key: str, window_s: int, now: float) -> None:
        try:
            await self.client.delete(self._name(key, window_s, now))
        except Exception:
            await self.fallback.clear(key, window_s, now)


# --- the throttle ---------------------------------------------------------------------------------


class LoginThrottle:
    """The limits over shared counters. A refusal this process has already seen is remembered
    until its window ends (`_blocked`), so a spray that keeps knocking costs no counter reads;
    this only ever refuses sooner, never admits more."""

    def __init__(self, counters: DbCounters | RedisCounters, limits: ThrottleLimits = ThrottleLimits(),
                 clock: Callable[[], float] = time.time) -> None:
        self.counters = counters
        self.limits = limits
        self.clock = clock
        self._blocked: dict[str, tuple[float, LoginThrottled]] = {}

    def _remembered(self, key: str, now: float) -> None:
        found = self._blocked.get(key)
        if found is not None:
            until, refusal = found
            if now < until:
                raise LoginThrottled(max(1, int(until - now) + 1), refusal.who)
            del self._blocked[key]

    def _remember(self, key: str, until: float, refusal: LoginThrottled) -> LoginThrottled:
        if len(self._blocked) >= 10_000:
            now = self.clock()
            self._blocked = {k: v for k, v in self._blocked.items() if v[0] > now}
        self._blocked[key] = (until, refusal)
        return refusal

    @staticmethod
    def _user_key(username: str, ip: str) -> str:
        name = hashlib.sha256(username.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"login:user:{name}:{ip[:64]}"

    @staticmethod
    def _address_key(ip: str) -> str:
        return f"login:unknown:{ip[:64]}"

    def _retry_after(self, now: float) -> int:
        window = self.limits.window_s
        return max(1, int(window - now % window) + 1)

    async def check(self, username: str, ip: str) -> None:
        """Raise LoginThrottled while this username+address, or this address, has used up its failures."""
        now = self.clock()
        user_key, address_key = self._user_key(username, ip), self._address_key(ip)
        self._remembered(address_key, now)
        self._remembered(user_key, now)
        window = self.limits.window_s
        found = await self.counters.counts([(user_key, window), (address_key, window)], now)
        window_end = (now // window + 1) * window
        if found[address_key] >= self.limits.unknown_per_address:
            raise self._remember(address_key, window_end,
                                 LoginThrottled(self._retry_after(now), "from your address"))
        if found[user_key] >= self.limits.per_user_address:
            raise self._remember(user_key, window_end, LoginThrottled(self._retry_after(now)))

    async def admit(self) -> None:
        """Count one password check against the global rate; LoginBusy beyond it."""
        now = self.clock()
        self._remembered(CHECKS_KEY, now)
        if await self.counters.hit(CHECKS_KEY, 1, now) > self.limits.checks_per_second:
            raise self._remember(CHECKS_KEY, now // 1 + 1, LoginBusy())

    async def failed(self, username: str, ip: str, *, known_user: bool) -> None:
        now = self.clock()
        await self.counters.hit(self._user_key(username, ip), self.limits.window_s, now)
        if not known_user:
            await self.counters.hit(self._address_key(ip), self.limits.window_s, now)

    async def succeeded(self, username: str, ip: str) -> None:
        await self.counters.clear(self._user_key(username, ip), self.limits.window_s, self.clock())


# --- the password pool ----------------------------------------------------------------------------


class PasswordPool:
    """scrypt in worker threads, with a bounded queue (LoginBusy when it is full)."""

    def __init__(self, workers: int | None = None, max_waiting: int = 16) -> None:
        self.workers = workers or max(1, (os.cpu_count() or 2) // 2)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="password",
                                            initializer=_yield_to_calls)
        self._capacity = self.workers + max_waiting
        self._in_use = 0
        self._dummy: str | None = None

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._in_use >= self._capacity:
            raise LoginBusy()
        self._in_use += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self._in_use -= 1

    async def verify(self, password: str, stored: str) -> bool:
        return bool(await self._run(verify_password, password, stored))

    async def hash(self, password: str) -> str:
        return str(await self._run(hash_password, password))

    async def dummy_hash(self) -> str:
        """A hash to check unknown usernames against, so they cost the same time as known ones."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        return self._dummy


def _yield_to_calls() -> None:
    """A password worker runs at a lower CPU priority (Linux: per thread), so the event loop
    that carries calls wins whenever both want a core."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass


def throttle(ctx: AppContext) -> LoginThrottle:
    """The app's login throttle (kept in ctx.services, created on first use)."""
    found = ctx.services.get("login_throttle")
    if found is None:
        counters: DbCounters | RedisCounters = DbCounters(ctx.db)
        if ctx.settings.redis_url:
            counters = RedisCounters(ctx.settings.redis_url, counters)
        limits = ThrottleLimits(checks_per_second=ctx.settings.login_rate)
        found = ctx.services["login_throttle"] = LoginThrottle(counters, limits)
    return found


def password_pool(ctx: AppContext) -> PasswordPool:
    found = ctx.services.get("password_pool")
    if found is None:
        found = ctx.services["password_pool"] = PasswordPool()
    return found
