"""Settings every `helpline serve` process of one helpline must share, checked at start (issue 10).

Each process publishes fingerprints of its secret key (an HMAC, never the key) and of its
database (host, port and name; no password) in Redis under `<redis channel>:settings`, kept
alive while it runs (expires `TTL_S` after the last process stops). A process that finds other
live processes with different fingerprints says so in the log at start, naming what differs:
a different key makes every token signed by the others fail here; a different database splits
the helpline in two (two owners of each Asterisk, rows in two places).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any

from sqlalchemy.engine import make_url

from config.settings import Settings

log = logging.getLogger(__name__)

TTL_S = 90
REFRESH_S = 30.0


def fingerprints(settings: Settings) -> dict[str, str]:
    url = make_url(settings.database_url)
    where = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    return {
        "secret": hmac.new(settings.secret_key.encode(), b"helpline settings fingerprint",
                           hashlib.sha256).hexdigest()[:16],
        "database": hashlib.sha256(where.encode()).hexdigest()[:16],
    }


def differences(mine: dict[str, str], theirs: dict[str, str]) -> list[str]:
    """Human-readable reasons, one per setting that differs."""
    out = []
    if theirs.get("secret") != mine["secret"]:
        out.append("HELPLINE_SECRET_KEY differs from the other processes' (their tokens and sessions "
                   "will be refused here, and ours there)")
    if theirs.get("database") != mine["database"]:
        out.append("HELPLINE_DATABASE_URL names another database than the other processes' (two owners "
                   "of each Asterisk, call rows split between databases)")
    return out


async def check(settings: Settings, redis: Any) -> list[str]:
    """Compare with the live processes' fingerprints (or publish ours if none); the differences."""
    key = f"{settings.redis_channel}:settings"
    mine = fingerprints(settings)
    stored = await redis.get(key)
    if stored is None:
        await redis.set(key, json.dumps(mine), ex=TTL_S, nx=True)
        stored = await redis.get(key)
    try:
        theirs = json.loads(stored) if stored is not None else mine
    except ValueError:
        theirs = {}
    problems = differences(mine, theirs)
    if not problems:
        await redis.expire(key, TTL_S)
    return problems


async def run_agreement(ctx: Any, stop: asyncio.Event) -> None:
    """The component: check at start (log what differs), then keep our fingerprint alive."""
    settings: Settings = ctx.settings
    if not settings.redis_url:
        await stop.wait()
        return
    import redis.asyncio as aioredis

    client = aioredis.from_url(settings.redis_url, socket_connect_timeout=5)
    first = True
    try:
        while not stop.is_set():
            try:
                problems = await check(settings, client)
                for problem in problems if first else ():
                    log.error("settings disagree with the other helpline processes: %s", problem)
                if first and not problems:
                    log.info("settings agree with the other helpline processes (secret key, database)")
                first = False
            except Exception as exc:  # noqa: BLE001 - Redis down: the hub says so too; try later
                log.warning("settings agreement not checked: Redis: %s", exc)
            try:
                async with asyncio.timeout(REFRESH_S):
                    await stop.wait()
            except TimeoutError:
                pass
    finally:
        await client.aclose()
