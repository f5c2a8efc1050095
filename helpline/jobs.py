"""The server's timed jobs besides the dialer and messaging: the deadline rules (flag, escalate)
and data retention, one loop per `helpline serve` process (row locks keep N processes from acting
twice on one complaint)."""
from __future__ import annotations

import asyncio

from agent_console.context import AppContext
from grievance.deadlines import DeadlineJob
from grievance.privacy import Retention


async def run_jobs(ctx: AppContext, stop: asyncio.Event) -> None:
    retention = Retention.from_settings(ctx.settings)
    job = DeadlineJob(ctx.db, ctx.policy, interval=ctx.settings.escalation_interval_seconds,
                      extra=retention.apply if retention.months else None)
    ctx.services["deadlines"] = job
    await job.run(stop)
