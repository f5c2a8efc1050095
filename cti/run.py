"""`run_cti(ctx, stop)`: the CTI component of `helpline serve`.

Builds the AMI pool from `settings.ami_servers` (possibly none), the hub (Redis when
`settings.redis_url`), and the CtiService, and puts them in `ctx.services` as "ami", "hub"
and "cti". Without any AMI URL the hub and service still run (in-process pops and wallboard);
agent actions then answer 503 "PBX disconnected".
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from common.context import AppContext
from cti.ami.pool import AmiPool
from cti.hub import Hub
from cti.lease import make_lease
from cti.service import CtiService
from ivr.scripts import SURVEY_CONTEXT

log = logging.getLogger(__name__)


def build(ctx: AppContext, *, pool_options: dict[str, Any] | None = None,
          hub_options: dict[str, Any] | None = None, **service_options: Any) -> CtiService:
    """Create pool, hub and service and register them in `ctx.services`."""
    pool = AmiPool(ctx.settings.ami_servers, **(pool_options or {}))
    hub_options = {"channel": ctx.settings.redis_channel, **(hub_options or {})}
    hub = Hub(redis_url=ctx.settings.redis_url, **hub_options)
    service_options.setdefault("outbound_contexts", (ctx.settings.outbound_context, SURVEY_CONTEXT))
    service_options.setdefault("pod_trunks", ctx.settings.pod_trunk_map)
    database_url = ctx.settings.database_url
    service_options.setdefault("lease", lambda name: make_lease(name, database_url))
    service = CtiService(ctx.db, hub, pool, tz=ctx.tz, **service_options)
    ctx.services["ami"] = pool
    ctx.services["hub"] = hub
    ctx.services["cti"] = service
    return service


async def run_cti(ctx: AppContext, stop: asyncio.Event, *, pool_options: dict[str, Any] | None = None,
                  hub_options: dict[str, Any] | None = None, **service_options: Any) -> None:
    """The component: runs until `stop` (options are for tests and benchmarks)."""
    service = build(ctx, pool_options=pool_options, hub_options=hub_options, **service_options)
    if not len(service.pool):
        log.info("CTI: no PBX configured (HELPLINE_AMI_URLS is empty); pops and wallboard in-process")
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(service.hub.run(stop))
            tg.create_task(service.run(stop))
    finally:
        for name in ("cti", "hub", "ami"):
            ctx.services.pop(name, None)
