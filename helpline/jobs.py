"""The server's timed jobs besides the dialer and messaging: the deadline rules (flag, escalate)
and data retention, one loop per `helpline serve` process (row locks keep N processes from acting
twice on one complaint)."""
from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from grievance.calendar import HelplineCalendar
from grievance.deadlines import DeadlineJob
from grievance.privacy import Retention
from storage.queries import hours as hours_q


async def run_jobs(ctx: AppContext, stop: asyncio.Event) -> None:
    retention = Retention.from_settings(ctx.settings)
    calendar = ctx.calendar

    async def before(session: AsyncSession, now: datetime) -> None:
        if isinstance(calendar, HelplineCalendar):  # holidays added on /admin count from the next pass
            calendar.refresh(h.day for h in await hours_q.holidays(session))

    job = DeadlineJob(ctx.db, ctx.policy, interval=ctx.settings.escalation_interval_seconds,
                      extra=retention.apply if retention.months else None, before=before)
    ctx.services["deadlines"] = job
    await job.run(stop)
