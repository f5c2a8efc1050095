"""Test harness for the dialer: a settable clock, an Originate outcome script for the fake AMI
that also plays the answered call's AGI side, and a runner started against the fake."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from config.settings import Settings
from cti.ami.framing import AmiMessage
from cti.ami.pool import AmiPool
from dialer import admin, answers
from dialer.runner import DialerConfig, DialerRunner
from grievance.service import Policy
from storage.db import Database
from storage.models import CallAttempt, CampaignContact

IST = ZoneInfo("Asia/Kolkata")
POLICY = Policy(timezone=IST)
SURVEY = [
    {"id": "q1", "prompt_hi": "क्या आपको योजना का लाभ मिला?", "prompt_en": "Did you receive the benefit?",
     "digits": {"1": "yes", "2": "no"}},
    {"id": "q2", "prompt_hi": "क्या आप संतुष्ट हैं?", "prompt_en": "Are you satisfied?",
     "digits": {"1": "satisfied", "2": "not satisfied", "3": "no opinion"}},
]
# result_grace_s is loop time: on a loaded machine the AGI result may lag the Hangup by seconds
# (at 1.0 an answered call was retried now and then, and with the clock frozen never finished)
FAST = dict(ring_timeout_s=2.0, response_grace_s=1.0, result_grace_s=8.0, max_call_s=5.0, lease_s=5.0,
            campaign_lease_s=5.0,
            idle_poll_s=0.02, refresh_s=0.05, recover_s=0.1, prefetch_s=1.0, action_timeout_s=2.0)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST).astimezone(timezone.utc)


@dataclass
class Script:
    """Outcomes per national number, in order (then "answered"); answered calls get AGI answers."""

    db: Database
    clock: FakeClock
    outcomes: dict[str, list[str]] = field(default_factory=dict)
    digits: dict[str, list[str]] = field(default_factory=dict)  # answers per number (survey or feedback digit)
    dialled: list[tuple[str, int]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __call__(self, action: AmiMessage) -> str:
        number = (action.get("Channel") or "").split("/")[1].split("@")[0]
        variables = dict(v.partition("=")[::2] for v in action.getall("Variable"))
        attempt = int(variables["HELPLINE_ATTEMPT"])
        self.dialled.append((number, attempt))
        queue = self.outcomes.get(number, [])
        outcome = queue.pop(0) if queue else "answered"
        if outcome == "answered":
            task = asyncio.create_task(self._agi(attempt, number, action.get("Context") or ""))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return outcome

    async def _agi(self, attempt: int, number: str, context: str) -> None:
        """What the feedback-call / survey flow stores for an answered call."""
        now = self.clock()
        pressed = list(self.digits.get(number, []))
        async with self.db.session_scope() as session:
            if context == "helpline-feedback":
                if pressed:
                    await answers.apply_feedback_answer(session, attempt, pressed[0], POLICY, now)
                else:
                    await answers.record_result(session, attempt, "no-input", now)
                return
            found = await answers.load_attempt(session, attempt)
            questions = answers.survey_questions(found.campaign.survey)
            given = 0
            for question, digit in zip(questions, pressed):
                await answers.store_survey_answer(session, attempt, question, digit, now)
                given += 1
            result = "completed" if given == len(questions) else "partial" if given else "no-input"
            await answers.record_result(session, attempt, result, now)


@asynccontextmanager
async def ami_pool(url: str) -> AsyncIterator[AmiPool]:
    pool = AmiPool(Settings(ami_urls=url, database_url="sqlite+aiosqlite:///unused.db").ami_servers,
                   reconnect_backoff=(0.05, 0.2))
    task = asyncio.create_task(pool.run())
    try:
        async with asyncio.timeout(30):
            while not pool.any_connected:
                await asyncio.sleep(0.01)
        yield pool
    finally:
        await pool.close()
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass


@asynccontextmanager
async def running(db: Database, pool: AmiPool, clock: FakeClock, runner_id: str = "runner-a",
                  **config: Any) -> AsyncIterator[DialerRunner]:
    runner = DialerRunner(db, pool, policy=POLICY, tz=IST, config=DialerConfig(**{**FAST, **config}),
                          runner_id=runner_id, clock=clock)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        yield runner
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def survey_campaign(db: Database, csv_text: str, now: datetime, start: bool = True, **rules: Any) -> int:
    data = {"name": "PM Awas survey", "survey": SURVEY, **rules}
    async with db.session_scope() as session:
        campaign = await admin.create_campaign(session, admin.build_spec(data, "09:00-21:00"), "supervisor", now)
        await admin.import_contacts(session, campaign.id, csv_text.encode(), now)
        if start:
            await admin.change_state(session, campaign.id, "start", now)
        return campaign.id


async def busy_count(db: Database, campaign_id: int) -> tuple[int, int]:
    """(contacts leased, attempts open) of a campaign."""
    async with db.sessions() as session:
        leased = await session.scalar(select(func.count()).select_from(CampaignContact).where(
            CampaignContact.campaign_id == campaign_id, CampaignContact.state == "in_progress"))
        open_ = await session.scalar(select(func.count()).select_from(CallAttempt).where(
            CallAttempt.campaign_id == campaign_id, CallAttempt.state.in_(("originating", "originated"))))
    return int(leased or 0), int(open_ or 0)


async def wait_until(check: Any, timeout: float = 60.0) -> Any:
    """Poll `check` until true; the timeout only guards against a hang (the machine may be loaded)."""
    async with asyncio.timeout(timeout):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(0.02)


async def contacts(db: Database, campaign_id: int) -> dict[str, CampaignContact]:
    async with db.sessions() as session:
        rows = (await session.scalars(select(CampaignContact).where(CampaignContact.campaign_id == campaign_id))).all()
    return {c.phone: c for c in rows}


async def attempts(db: Database, campaign_id: int) -> list[CallAttempt]:
    async with db.sessions() as session:
        return list((await session.scalars(select(CallAttempt).where(CallAttempt.campaign_id == campaign_id)
                                           .order_by(CallAttempt.id))).all())
