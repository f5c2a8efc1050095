"""`run_dialer(ctx, stop)`: the dialer component of `helpline serve`.

Uses the AMI pool the CTI component puts in `ctx.services["ami"]` (waits for it). With no
Asterisk configured it does not dial: it says so once, campaigns stay running and their
contacts stay queued. The runner is put in `ctx.services["dialer"]` while it runs.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from common.context import AppContext
from dialer.runner import DialerConfig, DialerRunner
from grievance.service import utcnow

log = logging.getLogger(__name__)


def config_from(ctx: AppContext) -> DialerConfig:
    settings = ctx.settings
    return DialerConfig(dial_string=settings.outbound_dial, feedback_context=settings.outbound_context)


async def _pool(ctx: AppContext, stop: asyncio.Event) -> object | None:
    waited = 0.0
    while not stop.is_set():
        pool = ctx.services.get("ami")
        if pool is not None:
            return pool
        if waited == 10.0:
            log.warning("dialer: still waiting for the CTI component's AMI connections")
        try:
            async with asyncio.timeout(0.5):
                await stop.wait()
        except TimeoutError:
            waited += 0.5
    return None


async def run_dialer(ctx: AppContext, stop: asyncio.Event, *, config: DialerConfig | None = None,
                     clock: Callable[[], datetime] = utcnow) -> None:
    if not ctx.settings.ami_servers:
        log.info("dialer: no PBX configured (HELPLINE_AMI_URLS is empty): nothing is dialled; "
                 "campaigns stay running and contacts stay queued")
        await stop.wait()
        return
    pool = await _pool(ctx, stop)
    if pool is None:
        return
    runner = DialerRunner(ctx.db, pool, policy=ctx.policy, tz=ctx.tz, config=config or config_from(ctx),  # type: ignore[arg-type]
                          clock=clock)
    ctx.services["dialer"] = runner
    try:
        await runner.run(stop)
    finally:
        ctx.services.pop("dialer", None)
