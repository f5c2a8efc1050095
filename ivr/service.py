"""The FastAGI component of `helpline serve`: the server on HELPLINE_AGI_HOST:HELPLINE_AGI_PORT."""
from __future__ import annotations

import asyncio

from common.context import AppContext
from ivr import scripts
from ivr.fastagi import FastAgiServer
from ivr.flows.common import FlowDeps
from ivr.routes import build_routes
from recordings.files import RecordingFolder


def flow_deps(ctx: AppContext) -> FlowDeps:
    return FlowDeps(db=ctx.db, policy=ctx.policy, tz=ctx.tz,
                    recordings=RecordingFolder.from_settings(ctx.settings.call_recordings_dir,
                                                             ctx.settings.call_recordings_pbx_dir),
                    secret_key=ctx.settings.secret_key)


async def run_fastagi(ctx: AppContext, stop: asyncio.Event) -> None:
    """Serve FastAGI until `stop` is set; running calls get a short grace period on the way out."""
    server = FastAgiServer(build_routes(flow_deps(ctx)), ctx.settings.agi_host, ctx.settings.agi_port,
                           failure_context=scripts.FAILURE_CONTEXT)
    async with server:
        ctx.services["fastagi"] = server
        try:
            await stop.wait()
        finally:
            ctx.services.pop("fastagi", None)
