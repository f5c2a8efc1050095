"""The standing feedback campaign: every disposal is called back; the answer drives the complaint."""
from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.models import Complaint, ComplaintEvent
from storage.queries import campaign_admin as admin_q
from storage.queries import campaigns as campaign_q
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.dialer_harness import (
    POLICY,
    FakeClock,
    Script,
    ami_pool,
    busy_count,
    contacts,
    ist,
    running,
    wait_until,
)

OFFICER = Who(Actor.OFFICER, "officer.ele.lko", "ELE-LKO-L1")
AGENT = Who(Actor.AGENT, "agent1001")


async def disposed(db: Database, phone: str, at: datetime) -> str:
    async with db.session_scope() as s:
        c = await service.register(s, NewComplaint(phone=phone, name="Ram", district="LKO", department="ELE",
                                                   category="ELE-SUPPLY", description="No power"), AGENT, POLICY, now=at)
        await service.dispose(s, c.number, "Transformer replaced", OFFICER, POLICY, now=at)
        return c.number


async def state_of(db: Database, number: str) -> Complaint:
    async with db.sessions() as s:
        return (await s.scalars(select(Complaint).where(Complaint.number == number))).one()


async def test_feedback_answers_close_reopen_and_unreachable(db: Database) -> None:
    start = ist(2026, 11, 24, 10, 0)
    clock = FakeClock(start)
    happy = await disposed(db, "9820000001", start)
    unhappy = await disposed(db, "9820000002", start)
    silent = await disposed(db, "9820000003", start)
    blocked = await disposed(db, "9820000004", start)
    async with db.session_scope() as s:
        await admin_q.dnc_add(s, "+919820000004", "asked not to be called", start)
        campaign = await campaign_q.standing_feedback_campaign(s)
        assert campaign is not None and campaign.state == "running"
        campaign_id = campaign.id
    script = Script(db, clock, outcomes={"9820000003": ["no-answer"] * 3},
                    digits={"9820000001": ["1"], "9820000002": ["2"]})
    async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as pool:
        async with running(db, pool, clock):
            await asyncio.sleep(0.3)
            assert fake.actions_named("Originate") == []  # due an hour after the disposal
            for _ in range(8):
                clock.now = max(clock.now, min([c.next_attempt_at for c in (await contacts(db, campaign_id)).values()
                                                if c.state == "queued"] or [clock.now]))
                await wait_until(lambda: _quiet(db, clock, campaign_id))
                if not [c for c in (await contacts(db, campaign_id)).values() if c.state == "queued"]:
                    break
        originates = fake.actions_named("Originate")

    assert (await state_of(db, happy)).state == "closed"
    assert (await state_of(db, happy)).feedback == "satisfied"
    reopened = await state_of(db, unhappy)
    assert reopened.state == "at_l1" and reopened.reopen_count == 1
    gone = await state_of(db, silent)
    assert gone.state == "closed" and gone.feedback == "unreachable"
    never = await state_of(db, blocked)
    assert never.state == "closed" and never.feedback == "unreachable"
    assert not any("9820000004" in o.get("Channel") for o in originates)
    assert sum("9820000003" in o.get("Channel") for o in originates) == 3

    first = next(o for o in originates if "9820000001" in o.get("Channel"))
    assert first.get("Context") == "helpline-feedback"
    assert f"HELPLINE_COMPLAINT_NO={happy}" in first.getall("Variable")
    async with db.sessions() as s:
        events = (await s.scalars(select(ComplaintEvent).join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
                                  .where(Complaint.number == silent, ComplaintEvent.action == "feedback"))).all()
    assert [(e.actor_kind, e.to_state, e.detail.get("feedback")) for e in events] == [("dialer", "closed", "unreachable")]
    by_phone = await contacts(db, campaign_id)
    assert by_phone["+919820000003"].state == "failed" and by_phone["+919820000004"].state == "dnc"


async def _quiet(db: Database, clock: FakeClock, campaign_id: int) -> bool:
    rows = await contacts(db, campaign_id)
    due = [c for c in rows.values() if c.state == "queued" and c.next_attempt_at <= clock()]
    return not due and await busy_count(db, campaign_id) == (0, 0)
