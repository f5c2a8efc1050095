"""What the IVR flow tests share: the real FastAGI server with the real route table on a real
database, complaints in any state (through grievance.service), and dialer attempts.

    async with flow_world(db_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("complaint-status", digits=[number])
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Policy, Who, dispose, record_feedback, register
from ivr import scripts
from ivr.fastagi import FastAgiServer
from ivr.flows.common import FlowDeps
from ivr.manifest import load_manifests, prompt_name
from ivr.routes import build_routes
from storage.db import Database
from storage.models import CallAttempt, Campaign, CampaignContact
from storage.queries import campaigns as campaign_q
from storage.queries import complaints as complaint_q
from tests.fakes.agi_peer import AgiCall, FakeAgiPeer

TZ = ZoneInfo("Asia/Kolkata")
# 10:00 IST on 20 November 2026: registered now, an ELE-SUPPLY complaint is due 2 days later.
NOW = datetime(2026, 11, 20, 4, 30, tzinfo=timezone.utc)
PHONE = "+919812345678"
CALLER = "919812345678"  # the same number as the trunk presents it
L1 = Who(Actor.OFFICER, "l1", "ELE-LKO-L1")
L2 = Who(Actor.OFFICER, "l2", "ELE-LKO-L2")
AGENT = Who(Actor.AGENT, "agent1")


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FlowWorld:
    db: Database
    server: FastAgiServer
    peer: FakeAgiPeer
    clock: Clock
    policy: Policy
    manifests: dict[str, dict[str, str]] = field(default_factory=load_manifests)

    async def complaint(self, state: str = "at_l1", *, phone: str = PHONE, name: str = "Ram Prasad",
                        language: str = "hi") -> str:
        """A complaint in `state`: at_l1, disposed, disposed_again (reopened once, disposed),
        at_l2, disposed_l2 or closed. Returns its number."""
        async with self.db.session_scope() as session:
            c = await register(session, NewComplaint(
                phone=phone, name=name, district="LKO", department="ELE", category="ELE-SUPPLY",
                description="No electricity in the village for three days.", language=language,
            ), AGENT, self.policy, now=self.clock())
            number = c.number
            steps = {
                "at_l1": [],
                "disposed": ["d1"],
                "disposed_again": ["d1", "no", "d1"],
                "at_l2": ["d1", "no", "d1", "no"],
                "disposed_l2": ["d1", "no", "d1", "no", "d2"],
                "closed": ["d1", "yes"],
            }[state]
            for step in steps:
                if step == "d1":
                    await dispose(session, number, "Line repaired.", L1, self.policy, now=self.clock())
                elif step == "d2":
                    await dispose(session, number, "Feeder replaced.", L2, self.policy, now=self.clock())
                else:
                    await record_feedback(session, number, "satisfied" if step == "yes" else "dissatisfied",
                                          AGENT, self.policy, now=self.clock())
        return number

    async def state_of(self, number: str) -> Any:
        async with self.db.sessions() as session:
            return await complaint_q.by_number(session, number)

    async def attempt(self, *, number: str | None = None, survey: list[dict[str, Any]] | None = None,
                      phone: str = PHONE) -> int:
        """A dialer attempt: on the feedback contact of complaint `number`, or in a new survey
        campaign with `survey` questions. Returns the attempt id."""
        async with self.db.session_scope() as session:
            if number is not None:
                complaint = await complaint_q.by_number(session, number)
                assert complaint is not None
                contacts = await campaign_q.contacts_for_complaint(session, complaint.id)
                assert contacts, "a disposed complaint has a feedback contact"
                contact_id, campaign_id = contacts[-1].id, contacts[-1].campaign_id
            else:
                campaign = Campaign(
                    name="Ration survey", kind="survey", state="running", window_start="09:00",
                    window_end="21:00", survey=survey or [], created_at=self.clock(),
                )
                session.add(campaign)
                await session.flush()
                row = CampaignContact(campaign_id=campaign.id, phone=phone, name="Sita Devi",
                                      next_attempt_at=self.clock())
                session.add(row)
                await session.flush()
                contact_id, campaign_id = row.id, campaign.id
            attempt = CallAttempt(campaign_id=campaign_id, contact_id=contact_id, number=phone,
                                  channel_id=f"helpline-dialer-{contact_id}-{self.clock().timestamp()}",
                                  started_at=self.clock())
            session.add(attempt)
            await session.flush()
            return attempt.id

    async def attempt_row(self, attempt_id: int) -> CallAttempt:
        async with self.db.sessions() as session:
            row = await session.get(CallAttempt, attempt_id)
            assert row is not None
            return row

    def unknown_prompts(self, call: AgiCall, lang: str = "hi") -> list[str]:
        """Prompts the call played that no manifest of `lang` defines (should be empty)."""
        return [path for path in call.prompts
                if not path.startswith("helpline/survey-") and prompt_name(path) not in self.manifests[lang]]


@asynccontextmanager
async def flow_world(db_url: str, *, clock: Clock | None = None, tries: int = 3,
                     routes: dict[str, Any] | None = None) -> AsyncIterator[FlowWorld]:
    """The FastAGI server (real routes, port 0) on `db_url`, and a fake Asterisk peer."""
    db = Database(db_url)
    clock = clock or Clock()
    policy = Policy(timezone=TZ, feedback_delay=timedelta(minutes=60))
    deps = FlowDeps(db=db, policy=policy, tz=TZ, clock=clock, tries=tries)
    table = build_routes(deps)
    table.update(routes or {})
    server = FastAgiServer(table, "127.0.0.1", 0, failure_context=scripts.FAILURE_CONTEXT, hangup_grace=0.2)
    try:
        async with server:
            async with FakeAgiPeer("127.0.0.1", server.port, timeout=10.0) as peer:
                yield FlowWorld(db=db, server=server, peer=peer, clock=clock, policy=policy)
    finally:
        await db.dispose()
