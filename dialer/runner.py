"""The dialer runner: claims due contacts, paces calls, originates them, records outcomes.

One loop serves every running campaign: inside a campaign's calling window it claims due
contacts with a lease (storage/queries/dialer.py), and starts a call whenever the campaign's
token bucket and channel limit allow (dialer/pacing.py). Each call is a task: `prepare`
(lease confirmed, DNC, daily cap, attempt row), Originate with the ChannelId
`helpline-dialer-<attempt>-<hex>` and `HELPLINE_ATTEMPT`, then the AMI events of that channel
decide the outcome (dialer/calls.py, dialer/outcomes.py) and `results.settle` moves the
contact on. A call's channel slot is held from `prepare` until its channel is gone. On SQLite
the runner's own writes take turns (one lock) rather than spinning on the database lock.

Across processes (issue 10): one runner at a time dials a campaign. It holds the campaign
(`campaigns.runner`, renewed at every refresh, `campaign_lease_s`), so the campaign's channel
limit and calls per second hold for all runners together; another runner takes the campaign
over when the holder stops renewing. Calls another runner started and may still be up (ringing,
or answered and not yet stale) count against the channel limit (`ChannelLimit.reserved`).

Crash safety: leases are renewed while held and expire when the runner dies; a contact with
no attempt then goes back to the queue; an attempt already created is never originated again:
once its call must be over (`stale_after`), any runner ends it as `unknown` (or `answered` if
the AGI stamped it) and the contact gets a new attempt if it has attempts left.
"""
from __future__ import annotations

import asyncio
import logging
import math
import secrets
import socket
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialer import results
from dialer.calls import Ami, Calls, DialerConfig
from dialer.campaigns import CallingWindow
from dialer.pacing import Pacer
from dialer.prepare import Prepared, prepare
from grievance.holidays import holiday_dates
from grievance.service import Policy
from storage.db import Database
from storage.models import Campaign, CampaignContact
from storage.queries import dialer as dialer_q

log = logging.getLogger(__name__)


@dataclass
class _Campaign:
    row: Campaign
    pacer: Pacer
    window: CallingWindow
    buffer: deque[CampaignContact] = field(default_factory=deque)
    idle_until: float = 0.0
    active: bool = True
    held: bool = False  # this runner holds the campaign (only the holder dials it)
    held_until: float = 0.0  # loop time: a hold not renewed by then is not trusted (the database may be away)
    refill: asyncio.Task[None] | None = None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DialerRunner:
    """See the module docstring. `clock` gives the wall time (aware), so window tests need no sleep."""

    def __init__(self, db: Database, ami: Ami, *, policy: Policy, tz: ZoneInfo, config: DialerConfig | None = None,
                 runner_id: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.ami = ami
        self.policy = policy
        self.tz = tz
        self.config = config or DialerConfig()
        self.id = runner_id or f"{socket.gethostname()[:40]}-{secrets.token_hex(4)}"
        self.clock = clock
        self.campaigns: dict[int, _Campaign] = {}
        self.calls = Calls(ami, self.config)
        self._held: set[int] = set()
        self._calls: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._write_lock = asyncio.Lock()
        self._queued: set[int] = set()
        self._warned_offline = False
        self.started = 0
        self.outcomes: Counter[str] = Counter()  # settled calls by outcome (/metrics)

    # -- main loop -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Dial until `stop` is set; then release unused leases and let live calls finish (briefly)."""
        self.calls.listening = True
        loop = asyncio.get_running_loop()
        log.info("dialer %s: started", self.id)
        stopped = False
        try:
            async with asyncio.TaskGroup() as tg:
                await self.recover()
                await self._refresh()
                tg.create_task(self._every(stop, self.config.refresh_s, self._refresh))
                tg.create_task(self._keep_leases(stop))
                tg.create_task(self._every(stop, 0.5, self._mark_originated))
                tg.create_task(self._every(stop, self.config.recover_s, self.recover))
                while not stop.is_set():
                    self._wake.clear()
                    wake_at = await self._dial_due(loop.time())
                    try:
                        async with asyncio.timeout(max(0.0, wake_at - loop.time())):
                            await self._wait_wake(stop)
                    except TimeoutError:
                        pass
                self._wake.set()
            stopped = True
        finally:
            if stopped:
                await self._shutdown()
            else:  # cancelled (the process is going away): leases expire, recovery cleans up
                self.calls.listening = False
                for task in list(self._calls):
                    task.cancel()

    async def _wait_wake(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def _refresh(self) -> None:
        now = self.clock()
        loop_now = asyncio.get_running_loop().time()
        today = now.astimezone(self.tz).date()
        cfg = self.config
        held: dict[int, tuple[bool, int]] = {}
        async with self._txn() as session:
            await dialer_q.start_due_scheduled(session, now)
            rows = await dialer_q.dialable_campaigns(session)
            calendar = await holiday_dates(session, today - timedelta(days=1), today + timedelta(days=400))
            for row in rows:
                if row.state != "running":
                    continue
                mine = await dialer_q.hold_campaign(session, row.id, self.id, now,
                                                    now + timedelta(seconds=cfg.campaign_lease_s))
                others = await dialer_q.others_open_attempts(
                    session, row.id, self.id, now - timedelta(seconds=cfg.ring_timeout_s + cfg.response_grace_s),
                    now - cfg.stale_after) if mine else 0
                held[row.id] = (mine, others)
        seen = set()
        for row in rows:
            if row.state != "running":
                continue
            seen.add(row.id)
            current = self.campaigns.get(row.id)
            if current is None:
                current = self.campaigns[row.id] = _Campaign(
                    row, Pacer(row.calls_per_second, row.max_channels, loop_now), CallingWindow.of(row, calendar))
            else:
                current.row, current.active = row, True
                current.window = CallingWindow.of(row, calendar)
                current.pacer.configure(row.calls_per_second, row.max_channels, loop_now)
            mine, others = held[row.id]
            if mine != current.held:
                log.info("dialer %s: %s campaign %d", self.id, "dials" if mine else "no longer dials", row.id)
            current.held = mine
            current.held_until = loop_now + cfg.campaign_lease_s / 2 if mine else 0.0
            current.pacer.channels.reserved = others
            if not mine:
                await self._release_buffer(current)
        for campaign_id in list(self.campaigns):
            if campaign_id not in seen:
                self.campaigns[campaign_id].active = False
                await self._release_buffer(self.campaigns[campaign_id])
                if not self.campaigns[campaign_id].pacer.channels.live:
                    del self.campaigns[campaign_id]
        for campaign_id, state in self.campaigns.items():
            if (campaign_id in seen and state.held and not state.buffer and not state.pacer.channels.live
                    and state.idle_until):
                async with self._txn() as session:
                    if await dialer_q.complete_if_done(session, campaign_id):
                        log.info("dialer: campaign %d completed", campaign_id)

    async def _dial_due(self, now_m: float) -> float:
        """Start every call the rules allow now; returns when to look again (loop time)."""
        wake_at = now_m + self.config.refresh_s
        if not self.ami.any_connected:
            if not self._warned_offline:
                log.warning("dialer: no Asterisk connected; campaigns stay running, contacts stay queued")
                self._warned_offline = True
            for state in self.campaigns.values():
                await self._release_buffer(state)
            return wake_at
        self._warned_offline = False
        now = self.clock()
        loop = asyncio.get_running_loop()
        for state in list(self.campaigns.values()):
            held = state.held and loop.time() < state.held_until
            if not state.active or not held or not state.window.allows(now, self.tz):
                await self._release_buffer(state)
                continue
            while True:
                now_m = loop.time()
                delay = state.pacer.delay(now_m)
                if delay is None:
                    break  # every channel busy: a call ending wakes the loop
                if delay > 0:
                    wake_at = min(wake_at, now_m + delay)
                    break
                if not state.buffer:
                    self._refill(state, now_m)
                    if state.idle_until > now_m:
                        wake_at = min(wake_at, state.idle_until)
                    break  # a finished refill wakes the loop
                contact = state.buffer.popleft()
                state.pacer.start(contact.id, now_m)
                self.started += 1
                self._spawn(self._call(state, contact))
                if len(state.buffer) < self._prefetch(state.row) // 2:
                    self._refill(state, now_m)
        return wake_at

    def _prefetch(self, row: Campaign) -> int:
        return max(1, math.ceil(row.calls_per_second * self.config.prefetch_s))

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)
        return task

    def _refill(self, state: _Campaign, now_m: float) -> None:
        """Claim more due contacts in the background, so calls keep starting meanwhile."""
        if state.refill is None and state.idle_until <= now_m:
            state.refill = self._spawn(self._claim(state))

    async def _claim(self, state: _Campaign) -> None:
        row = state.row
        want = min(state.pacer.channels.free + self._prefetch(row), 2 * self._prefetch(row), 500)
        now = self.clock()
        try:
            async with self._txn() as session:
                claimed = await dialer_q.claim(session, row.id, self.id, now,
                                               now + timedelta(seconds=self.config.lease_s), want)
            for contact in claimed:
                self._held.add(contact.id)
            state.buffer.extend(claimed)
            loop_now = asyncio.get_running_loop().time()
            state.idle_until = 0.0 if claimed else loop_now + self.config.idle_poll_s
        finally:
            state.refill = None
            self._wake.set()

    @asynccontextmanager
    async def _txn(self) -> AsyncIterator[AsyncSession]:
        """A write transaction; on SQLite the runner's writes take turns instead of spinning on the lock."""
        if not self.db.is_sqlite:
            async with self.db.session_scope() as session:
                yield session
            return
        async with self._write_lock:
            async with self.db.session_scope() as session:
                yield session

    async def _release_buffer(self, state: _Campaign) -> None:
        if not state.buffer:
            return
        async with self._txn() as session:
            while state.buffer:
                contact = state.buffer.popleft()
                await dialer_q.release(session, contact.id, self.id)
                self._held.discard(contact.id)

    # -- one call --------------------------------------------------------------------------

    async def _call(self, state: _Campaign, contact: CampaignContact) -> None:
        campaign = state.row
        prepared: Prepared | None = None
        try:
            async with self._txn() as session:
                prepared = await prepare(session, campaign, contact, self.id, self.clock(),
                                         timedelta(seconds=self.config.lease_s), self.tz, self.policy)
            if prepared is None:
                state.pacer.refund(contact.id)
                return
            outcome, cause = await self._originate(campaign, contact, prepared)
            self._channel_gone(state, contact, prepared)
            await self._settle(prepared.attempt_id, outcome, cause)
        except Exception:
            log.exception("dialer: call for contact %d failed", contact.id)
            if prepared is not None:
                self._channel_gone(state, contact, prepared)
                await self._settle(prepared.attempt_id, "unknown", None)
        finally:
            self._channel_gone(state, contact, prepared)
            self._held.discard(contact.id)

    def _channel_gone(self, state: _Campaign, contact: CampaignContact, prepared: Prepared | None) -> None:
        """The call's channel is over (or never was): its slot is free for the next call."""
        if prepared is not None:
            self.calls.forget(prepared.channel_id)
        if state.pacer.channels.holds(contact.id):
            state.pacer.end(contact.id)
            self._wake.set()

    async def _originate(self, campaign: Campaign, contact: CampaignContact, prepared: Prepared) -> tuple[str, int | None]:
        context = self.config.feedback_context if campaign.kind == "feedback" else self.config.survey_context
        return await self.calls.place(prepared, contact.phone, contact.language, context,
                                      on_queued=lambda: self._queued.add(prepared.attempt_id))

    async def _mark_originated(self) -> None:
        """Attempts whose Originate Asterisk queued become `originated`, a batch per transaction
        (informational: originating and originated are both open attempts)."""
        batch, self._queued = self._queued, set()
        if batch:
            async with self._txn() as session:
                await dialer_q.mark_originated(session, batch)

    async def _settle(self, attempt_id: int, outcome: str, cause: int | None) -> None:
        if outcome == "answered":
            await self._await_result(attempt_id)
        async with self._txn() as session:
            settled = await results.settle(session, attempt_id, outcome, cause, self.clock(), self.policy)
        if settled is not None:
            self.outcomes[outcome] += 1
            log.info("dialer: attempt %d %s%s -> contact %s", attempt_id, outcome,
                     f" ({settled.result})" if settled.result else "", settled.contact_state)

    async def _await_result(self, attempt_id: int) -> None:
        """The AGI flow stores the answer as the call ends: if it is not there yet, give it a moment."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.result_grace_s
        while True:
            async with self.db.sessions() as session:
                result, _ = await dialer_q.attempt_result(session, attempt_id)
            if result is not None or loop.time() >= deadline:
                return
            await asyncio.sleep(max(0.1, self.config.result_grace_s / 5))

    # -- leases and recovery ---------------------------------------------------------------

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        every = self.config.lease_s / 3
        while not stop.is_set():
            try:
                async with asyncio.timeout(every):
                    await stop.wait()
            except TimeoutError:
                pass
            if self._held:
                until = self.clock() + timedelta(seconds=self.config.lease_s)
                try:
                    async with self._txn() as session:
                        await dialer_q.renew_leases(session, self.id, list(self._held), until)
                except Exception:
                    log.exception("dialer: could not renew leases; trying again")

    async def _every(self, stop: asyncio.Event, seconds: float, job: Callable[[], Any]) -> None:
        """Run `job` every `seconds` until `stop`; a failure is logged and retried next time."""
        while not stop.is_set():
            try:
                async with asyncio.timeout(seconds):
                    await stop.wait()
            except TimeoutError:
                pass
            if stop.is_set():
                return
            try:
                await job()
            except Exception:
                log.exception("dialer: %s failed; trying again", getattr(job, "__name__", job))
            self._wake.set()

    async def recover(self) -> int:
        """Requeue contacts of expired leases without an attempt; end stale attempts of dead runners."""
        now = self.clock()
        async with self._txn() as session:
            requeued = await dialer_q.requeue_stranded(session, now)
            stale = await dialer_q.stale_attempts(session, now, now - self.config.stale_after)
        for attempt_id in stale:
            async with self._txn() as session:
                _, answered_at = await dialer_q.attempt_result(session, attempt_id)
                outcome = "answered" if answered_at is not None else "unknown"
                settled = await results.settle(session, attempt_id, outcome, None, now, self.policy)
            if settled is not None:
                log.warning("dialer: attempt %d of a stopped runner ended as %s", attempt_id, outcome)
        if requeued:
            log.warning("dialer: %d contact(s) of a stopped runner queued again", requeued)
        return requeued + len(stale)

    async def _shutdown(self) -> None:
        for state in self.campaigns.values():
            try:
                await self._release_buffer(state)
            except Exception:
                log.exception("dialer: could not release leases; they will expire")
        if self._calls:
            done, pending = await asyncio.wait(set(self._calls), timeout=self.config.response_grace_s)
            for task in pending:
                task.cancel()
        self.calls.listening = False
        for campaign_id, state in self.campaigns.items():
            if state.held:  # another runner may take it at once
                try:
                    async with self._txn() as session:
                        await dialer_q.let_go_campaign(session, campaign_id, self.id)
                except Exception:
                    log.exception("dialer: could not let campaign %d go; its hold will expire", campaign_id)
        log.info("dialer %s: stopped", self.id)
