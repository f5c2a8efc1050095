"""`helpline serve`: the web app, FastAGI, CTI and dialer in one asyncio TaskGroup."""
from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

import uvicorn

from agent_console.app import create_app
from common.context import AppContext
from config.settings import Settings
from storage.db import Database

log = logging.getLogger("helpline.server")

Component = Callable[[AppContext, asyncio.Event], Awaitable[None]]


async def run_web(ctx: AppContext, stop: asyncio.Event) -> None:
    app = create_app(ctx)
    server = uvicorn.Server(web_config(app, ctx.settings))
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


def web_config(app: object, settings: Settings) -> uvicorn.Config:
    """uvicorn for `helpline serve`: its log records go through the root handlers (masked by
    common.privacy.RedactingFilter), and forwarded headers are not uvicorn's business: the
    app believes them only from HELPLINE_TRUSTED_PROXIES (agent_console/app.py)."""
    return uvicorn.Config(app, host=settings.web_host, port=settings.web_port, ws="websockets-sansio",
                          log_level="info", lifespan="on", access_log=True, log_config=None,
                          proxy_headers=False)


def components(settings: Settings) -> list[Component]:
    """The parts this process runs, in start order."""
    from helpline import wiring

    return wiring.components(settings, run_web)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    db = Database(settings.database_url)
    ctx = AppContext.build(settings, db)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    log.info("helpline serving on http://%s:%s", settings.web_host, settings.web_port)
    try:
        async with asyncio.TaskGroup() as tg:
            for component in components(settings):
                tg.create_task(_guard(component, ctx, stop))
    finally:
        await db.dispose()


async def _guard(component: Component, ctx: AppContext, stop: asyncio.Event) -> None:
    """A component that fails stops the whole process (and says why)."""
    try:
        await component(ctx, stop)
    except Exception:
        log.exception("component %s failed; stopping", getattr(component, "__name__", component))
        stop.set()
        raise
