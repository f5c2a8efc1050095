"""A simulated helpline day (DESIGN §8): every call and every complaint accounted for.

    python -m bench.helpline_day [--scale 1.0] [--pg]

Real components over real sockets, fake Asterisk peers, time compressed by a simulated clock
given to every module that takes one (CTI, dialer, FastAGI flows, grievance services):

- inbound: 35,000 × scale calls from 08:00 to 20:00, each the captured AMI frames of an
  answered call (`inbound-answered` or `agent-ring-no-answer`), an abandoned call or a queue
  timeout (`burst`), with fresh ids, interleaved 250 at a time, sent by the fake manager into
  the CTI service built by cti/run.py, which writes one `calls` row per call;
- FastAGI: the real server and flows; the fake AGI peer runs `caller-lookup` for one call in
  25 and `complaint-status` for one in 50 (a complaint registered earlier), and checks answers;
- complaints: 4,500 × scale registered through grievance.service by agents during answered
  calls, each with a plan (tests/fakes/day.py PLANS): L1 disposals two hours after
  registration, disposals again after a dissatisfied answer (L1, then L2);
- feedback: the real DialerRunner over the same AMI connection dials every disposal; the fake
  manager answers each Originate as its plan says (answered, busy, no answer, congestion,
  unregistered) with the captured frames, and an answered call runs the real `feedback-call`
  flow through the fake AGI peer, pressing the plan's digit: complaints close, reopen, escalate,
  or close as unreachable after three attempts (the third on the next day: daily cap 2).

After 20:00 the clock moves in half hours (nights skipped) until no feedback call is left.
Exit status 0 only when calls seen = calls rows (and each with the expected outcome), every
complaint is in its planned state, and the feedback contacts and attempts match the plans.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, select

from common.context import AppContext
from config.reference import load_reference
from config.settings import Settings
from cti.run import run_cti
from cti.service import CtiService
from dialer import admin
from dialer.runner import DialerConfig, DialerRunner
from grievance.feedback import feedback_campaign
from grievance.lifecycle import Actor
from grievance.phones import dial_digits
from grievance.service import NewComplaint, Who, dispose, register
from ivr import scripts
from ivr.fastagi import FastAgiServer
from ivr.flows.common import FlowDeps
from ivr.routes import build_routes
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Call, CallAttempt, CampaignContact
from storage.queries import complaints as complaint_q
from storage.seed import seed_reference
from tests.fakes.agi_peer import FakeAgiPeer
from tests.fakes.day import PLANS, TZ, CallMaker, DayAmi, DayReport, OutcomeScript, Plan, SimClock, \
    expected_attempts, interleave, plan_for, template

DAY = datetime(2026, 11, 23, tzinfo=TZ)  # a Monday
CALLS, COMPLAINTS = 35_000, 4_500
CALL_MIX = (("answered", 60), ("answered-second-agent", 10), ("abandoned", 22), ("timeout", 8))
FIRST_HOUR, LAST_HOUR = 8, 20
CONCURRENT = 250
STATES = ("registered", "at_l1", "disposed", "at_l2", "disposed_l2", "closed")
PG_ADMIN = os.environ.get("HELPLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AGENT = Who(Actor.AGENT, "agent-day")


@dataclass
class Complaint:
    index: int
    phone: str
    plan: Plan
    slice: int
    number: str | None = None
    disposed: int = 0


class Day:
    """One simulated day over a migrated, seeded database; see the module docstring."""

    def __init__(self, db: Database, scale: float, *, rate: float = 100.0, channels: int = 100,
                 step_timeout: float = 120.0, say: Callable[[str], None] = lambda _: None) -> None:
        self.db = db
        self.scale = scale
        self.rate, self.channels = rate, channels
        self.step_timeout = step_timeout
        self.say = say
        self.clock = SimClock(DAY.replace(hour=FIRST_HOUR))
        self.script = OutcomeScript()
        self.maker = CallMaker()
        self.report = DayReport(scale)
        self.n_calls = max(len(CALL_MIX), round(CALLS * scale))
        self.n_complaints = max(len(PLANS), round(COMPLAINTS * scale))
        self.slices = LAST_HOUR - FIRST_HOUR
        ref = load_reference()
        districts = sorted({o.district_code for o in ref.officers if o.district_code})
        categories = [(d.code, c.code) for d in ref.departments for c in d.categories]
        self.where = [(districts[i % len(districts)], *categories[i % len(categories)]) for i in range(97)]
        self.complaints = [Complaint(i, f"+919{i:09d}", plan_for(i), i * self.slices // self.n_complaints)
                           for i in range(self.n_complaints)]
        self.registered: list[Complaint] = []
        self.known_phones: set[str] = set()

    # -- running -----------------------------------------------------------------------------

    async def run(self) -> DayReport:
        self.started = started = time.perf_counter()
        for c in self.complaints:
            self.script.add(dial_digits(c.phone), [o for outcomes, _ in c.plan.rounds for o in outcomes],
                            [d for _, digits in c.plan.rounds for d in digits])
        deps = FlowDeps(db=self.db, policy=self._policy(), tz=TZ, clock=self.clock.now)
        agi = FastAgiServer(build_routes(deps), "127.0.0.1", 0, failure_context=scripts.FAILURE_CONTEXT,
                            hangup_grace=0.2)
        async with agi:
            ami = DayAmi(self.script, ("127.0.0.1", agi.port), clock=self.clock.epoch)
            async with ami, FakeAgiPeer("127.0.0.1", agi.port, timeout=20.0) as peer:
                self.ami, self.peer = ami, peer
                await self._with_components()
        self.report.elapsed_s = time.perf_counter() - started
        self.report.check()
        return self.report

    def _policy(self) -> Any:
        return AppContext.build(self._settings(""), self.db).policy

    def _settings(self, ami_url: str) -> Settings:
        return Settings(database_url=self.db.url, ami_urls=ami_url, secret_key="helpline-day", redis_url="")

    async def _with_components(self) -> None:
        ctx = AppContext.build(self._settings(self.ami.url), self.db)
        self.policy = ctx.policy
        stop = asyncio.Event()
        cti_task = asyncio.create_task(run_cti(
            ctx, stop, pool_options={"reconnect_backoff": (0.05, 0.5), "ping_interval": 30.0, "action_timeout": 10.0},
            clock=self.clock.epoch, flush_interval=0.2, wallboard_interval=1.0))
        try:
            async with asyncio.timeout(10):
                while "cti" not in ctx.services or ctx.services["cti"].resyncs < 1:
                    await asyncio.sleep(0.01)
            self.cti: CtiService = ctx.services["cti"]
            await self._pace_feedback()
            config = DialerConfig(ring_timeout_s=5.0, response_grace_s=5.0, result_grace_s=1.0, max_call_s=30.0,
                                  lease_s=3600.0, idle_poll_s=0.05, refresh_s=0.1, recover_s=30.0,
                                  prefetch_s=1.0, action_timeout_s=10.0)
            runner = DialerRunner(self.db, ctx.services["ami"], policy=ctx.policy, tz=TZ, config=config,
                                  runner_id="day", clock=self.clock.now)
            dialer_stop = asyncio.Event()
            dialer_task = asyncio.create_task(runner.run(dialer_stop))
            try:
                for index in range(self.slices):
                    await self._hour(index)
                await self._afterwards()
            finally:
                dialer_stop.set()
                await asyncio.wait_for(dialer_task, 60)
            await self._calls_written()
        finally:
            stop.set()
            await asyncio.wait_for(cti_task, 60)
        await self._account()

    async def _pace_feedback(self) -> None:
        """The supervisor sets the standing feedback campaign's pace for the day."""
        async with self.db.session_scope() as session:
            campaign = await feedback_campaign(session, self.clock.now())
            campaign.calls_per_second = self.rate
            campaign.max_channels = self.channels
            self.campaign_id = campaign.id

    async def _hour(self, index: int) -> None:
        start = DAY.replace(hour=FIRST_HOUR + index).astimezone(timezone.utc)
        self.clock.at = start
        mine = [c for c in self.complaints if c.slice == index]
        lo, hi = index * self.n_calls // self.slices, (index + 1) * self.n_calls // self.slices
        await self._inbound(lo, hi, start.timestamp(), [c.phone for c in mine])
        for c in mine:
            await self._register(c, start + timedelta(seconds=3600 * (c.index % 97) / 97))
        await self._agi_samples(lo, hi)
        await self._officers(earliest_slice=index - 2)
        await self._dialer_idle()
        self.say(f"{self.clock.local():%H:%M} (+{time.perf_counter() - self.started:.0f} s) calls "
                 f"{self.report.calls_inbound}, complaints {len(self.registered)}, disposals "
                 f"{self.report.disposals}, originates {self.script.dialled}")

    async def _afterwards(self) -> None:
        """After the last hour: half-hour steps (nights skipped) until no feedback call is left."""
        limit = self.clock.now() + timedelta(days=4)
        self.clock.at = DAY.replace(hour=LAST_HOUR).astimezone(timezone.utc)
        while True:
            await self._dialer_idle()
            acted = await self._officers(earliest_slice=self.slices)
            if not acted and not await self._open():
                break
            if self.clock.now() >= limit:
                self.report.problems.append("feedback calls still open four simulated days later")
                break
            self.clock.at += timedelta(minutes=30)
            if self.clock.local().hour >= 21:
                morning = (self.clock.local() + timedelta(days=1)).replace(hour=9, minute=0)
                self.clock.at = morning.astimezone(timezone.utc)
        self.report.sim_end = f"{self.clock.local():%a %d %b %H:%M}"

    # -- inbound calls -------------------------------------------------------------------------

    async def _inbound(self, lo: int, hi: int, start: float, complaint_phones: list[str]) -> None:
        kinds = [kind for kind, share in CALL_MIX for _ in range(share)]
        answered_slots = [j for j in range(lo, hi) if kinds[j % 100].startswith("answered")]
        carrying = dict(zip(answered_slots[::max(1, len(answered_slots) // max(1, len(complaint_phones)))],
                            complaint_phones))
        known = sorted(self.known_phones)
        batch: list[list[bytes]] = []
        span = 3600 / max(1, hi - lo)
        for j in range(lo, hi):
            kind = kinds[j % 100]
            phone = carrying.get(j) or (known[j % len(known)] if known and j % 10 == 0 else f"+9198{j:08d}")
            tpl = template(kind)
            batch.append(tpl.render(self.maker.values(tpl, start + (j - lo) * span, phone[1:])))
            self.report.expected_inbound[tpl.outcome] = self.report.expected_inbound.get(tpl.outcome, 0) + 1
            self.report.calls_inbound += 1
            if len(batch) == CONCURRENT:
                await self.ami.pump(interleave(batch))
                batch = []
        if batch:
            await self.ami.pump(interleave(batch))
        for phone in complaint_phones:
            if phone not in carrying.values():
                raise AssertionError("every complaint comes with an answered call")

    async def _register(self, c: Complaint, at: datetime) -> None:
        district, department, category = self.where[c.index % len(self.where)]
        async with self.db.session_scope() as session:
            row = await register(session, NewComplaint(
                phone=c.phone, name=f"Citizen {c.index}", district=district, department=department,
                category=category, description=f"Complaint {c.index} of the simulated day.",
                language="hi" if c.index % 4 else "en"), AGENT, self.policy, now=at)
            c.number = row.number
        self.registered.append(c)
        self.known_phones.add(c.phone)

    async def _agi_samples(self, lo: int, hi: int) -> None:
        gate = asyncio.Semaphore(20)
        known = sorted(self.known_phones)
        numbers = [c.number for c in self.registered if c.number]

        async def lookup(j: int) -> None:
            phone = known[j % len(known)] if j % 2 and known else f"+9198{j:08d}"
            async with gate:
                call = await self.peer.call("caller-lookup", caller=phone[1:])
            self.report.agi_checked += 1
            if call.variables.get("HELPLINE_CALLER_KNOWN") != ("1" if phone in self.known_phones else "0"):
                self.report.agi_wrong += 1

        async def status(j: int) -> None:
            number = numbers[j % len(numbers)]
            async with gate:
                call = await self.peer.call("complaint-status", caller=f"9198{j:08d}", digits=[number])
            self.report.agi_checked += 1
            if call.variables.get("HELPLINE_STATUS_RESULT") != "found" or \
                    call.variables.get("HELPLINE_COMPLAINT_NO") != number:
                self.report.agi_wrong += 1

        async with asyncio.TaskGroup() as tg:
            for j in range(lo, hi):
                if j % 25 == 0:
                    tg.create_task(lookup(j))
                if j % 50 == 25 and numbers:
                    tg.create_task(status(j))

    # -- officers and the dialer -----------------------------------------------------------------

    async def _officers(self, earliest_slice: int) -> int:
        """Officers dispose: new complaints two hours old, and reopened / escalated ones."""
        acted = 0
        for c in self.registered:
            if c.disposed == 0 and c.plan.rounds and c.slice <= earliest_slice:
                acted += await self._dispose(c, "L1")
        async with self.db.sessions() as session:
            back = [*await complaint_q.search(session, state="at_l1", limit=10**6),
                    *await complaint_q.search(session, state="at_l2", limit=10**6)]
        by_number = {c.number: c for c in self.registered if c.disposed}
        for row in back:
            c = by_number.get(row.number)
            if c is not None and row.reopen_count + (1 if row.level == 2 else 0) >= c.disposed \
                    and c.disposed < c.plan.disposals:
                acted += await self._dispose(c, f"L{row.level}")
        return acted

    async def _dispose(self, c: Complaint, level: str) -> int:
        async with self.db.session_scope() as session:
            row = await complaint_q.by_number(session, c.number or "")
            assert row is not None and row.officer_code
            officer = Who(Actor.OFFICER, row.officer_code, row.officer_code)
            await dispose(session, row.number, f"{level} action taken, round {c.disposed + 1}.", officer,
                          self.policy, now=self.clock.now())
        c.disposed += 1
        self.report.disposals += 1
        return 1

    async def _dialer_idle(self) -> None:
        """Wait until no feedback contact is due or being called, and no attempt is open."""
        try:
            async with asyncio.timeout(self.step_timeout):
                while True:
                    if not await self._open(due_only=True):
                        return
                    await asyncio.sleep(0.05)
        except TimeoutError:
            self.report.problems.append(f"the dialer did not finish the calls due at {self.clock.local():%a %H:%M} "
                                        f"within {self.step_timeout} s")

    async def _open(self, due_only: bool = False) -> int:
        """Feedback contacts queued or being called (only those due now: `due_only`), plus open attempts."""
        now = self.clock.now()
        local = self.clock.local()
        in_window = 9 <= local.hour < 21
        async with self.db.sessions() as session:
            stmt = select(func.count()).select_from(CampaignContact).where(
                CampaignContact.campaign_id == self.campaign_id,
                CampaignContact.state.in_(("queued", "in_progress")))
            if due_only:
                due = (CampaignContact.next_attempt_at <= now) if in_window else False
                stmt = stmt.where((CampaignContact.state == "in_progress") | due)
            contacts = int(await session.scalar(stmt) or 0)
            attempts = int(await session.scalar(select(func.count()).select_from(CallAttempt).where(
                CallAttempt.ended_at.is_(None))) or 0)
        return contacts + attempts

    # -- accounting --------------------------------------------------------------------------------

    async def _calls_written(self) -> None:
        """Wait until the CTI wrote a row for every call it was sent (or stops making progress)."""
        self.report.calls_outbound = self.ami.started_calls
        want = self.report.calls_inbound + self.report.calls_outbound
        last, still = -1, 0.0
        while still < 10.0:
            await self.cti.flush()
            async with self.db.sessions() as session:
                rows = int(await session.scalar(select(func.count()).select_from(Call)) or 0)
            if rows >= want:
                return
            still = still + 0.1 if rows == last else 0.0
            last = rows
            await asyncio.sleep(0.1)

    async def _account(self) -> None:
        r = self.report
        async with self.db.sessions() as session:
            for direction, outcome, n in (await session.execute(
                    select(Call.direction, Call.outcome, func.count()).group_by(Call.direction, Call.outcome))).all():
                key = outcome if direction == "inbound" else f"{direction}:{outcome}"
                r.rows_by_outcome[key] = int(n)
            r.call_rows = sum(r.rows_by_outcome.values())
            rows = {}
            for state in STATES:
                for row in await complaint_q.search(session, state=state, limit=10**6):
                    rows[row.number] = row
            campaign = await admin.get_campaign(session, self.campaign_id)
            progress = await admin.progress(session, campaign)
        r.complaints = len(self.registered)
        r.by_state = dict(Counter(rows[c.number].state for c in self.registered if c.number in rows))
        for c in self.registered:
            r.expected_state[c.plan.final_state] = r.expected_state.get(c.plan.final_state, 0) + 1
            row = rows.get(c.number)
            if row is None or row.state != c.plan.final_state or row.feedback != c.plan.final_feedback:
                r.wrong_complaints.append(f"{c.number} ({c.plan.name}): {row.state if row else 'missing'}/"
                                          f"{row.feedback if row else ''}")
        r.contacts = {k: progress[k] for k in ("completed", "failed", "queued", "in_progress", "cancelled")
                      if progress[k]}
        plans = [c.plan for c in self.registered]
        completed = sum(1 for p in plans for outcomes, _ in p.rounds if "answered" in outcomes)
        failed = sum(1 for p in plans for outcomes, _ in p.rounds if "answered" not in outcomes)
        r.expected_contacts = {k: v for k, v in (("completed", completed), ("failed", failed)) if v}
        r.attempts = dict(progress["outcomes"])
        r.expected_attempts = expected_attempts(plans)
        r.agi_feedback_failures = self.ami.agi_failures


# -- databases and the command line ------------------------------------------------------------------


async def fresh_database(pg: bool) -> tuple[str, Callable[[], Any]]:
    """A migrated, seeded database URL and an async function that removes it."""
    if not pg:
        folder = Path(tempfile.mkdtemp(prefix="helpline-day-"))
        url = f"sqlite+aiosqlite:///{folder / 'day.db'}"

        async def remove() -> None:
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    else:
        name = f"helpline_day_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(PG_ADMIN)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"

        async def remove() -> None:
            conn = await asyncpg.connect(PG_ADMIN)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session_scope() as session:
            await seed_reference(session, load_reference())
    finally:
        await db.dispose()
    return url, remove


async def simulate(url: str, scale: float, **options: Any) -> DayReport:
    """Run the day on a migrated, seeded database."""
    db = Database(url)
    try:
        return await Day(db, scale, **options).run()
    finally:
        await db.dispose()


async def main_async(args: argparse.Namespace) -> DayReport:
    url, remove = await fresh_database(args.pg)
    try:
        return await simulate(url, args.scale, rate=args.rate, channels=args.channels,
                              say=lambda line: print("  " + line, flush=True))
    finally:
        await remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of a full day (0.1: 3,500 calls)")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (HELPLINE_TEST_PG_URL) instead of SQLite")
    parser.add_argument("--rate", type=float, default=100.0, help="feedback calls per second the dialer may start")
    parser.add_argument("--channels", type=int, default=100, help="feedback calls at once")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    report = asyncio.run(main_async(args))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
