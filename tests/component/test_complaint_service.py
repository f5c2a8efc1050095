"""Complaint service rules on a real database (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from grievance import service
from grievance.errors import Forbidden, InvalidInput, LimitReached, NotFound, TransitionRefused
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Policy, Who
from storage.db import Database
from storage.models import CampaignContact, Complaint, ComplaintEvent
from zoneinfo import ZoneInfo

POLICY = Policy(timezone=ZoneInfo("Asia/Kolkata"), max_complaints_per_phone_per_month=3)
AGENT = Who(Actor.AGENT, "agent1")


def new(**kw: str) -> NewComplaint:
    data = dict(phone="9812345678", name="Ram", district="LKO", department="ELE", category="ELE-SUPPLY",
                description="No power", language="hi", channel="phone")
    data.update(kw)
    return NewComplaint(**data)


async def count(db: Database, model: type) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def test_numbers_follow_the_month_sequence(db: Database) -> None:
    at = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)
    async with db.session_scope() as s:
        a = await service.register(s, new(), AGENT, POLICY, now=at)
        b = await service.register(s, new(phone="9812345679"), AGENT, POLICY, now=at)
    assert a.number == "2611000001" + a.number[-1] and b.number[:10] == "2611000002"
    assert a.due_at == at + timedelta(days=2)  # ELE-SUPPLY: 2 SLA days


async def test_month_boundary_uses_local_time(db: Database) -> None:
    # 30 Nov 20:00 UTC is already 1 Dec in Asia/Kolkata
    at = datetime(2026, 11, 30, 20, tzinfo=timezone.utc)
    async with db.session_scope() as s:
        c = await service.register(s, new(), AGENT, POLICY, now=at)
    assert c.number.startswith("2612")


async def test_routing_falls_back_to_state_officer(db: Database) -> None:
    async with db.session_scope() as s:
        c = await service.register(s, new(district="SML"), AGENT, POLICY)
    assert c.officer_code == "ELE-UP-L1"


@pytest.mark.parametrize("kw,field", [
    ({"district": "XXX"}, "citizen.district"),
    ({"department": "NOPE"}, "department"),
    ({"category": "NOPE"}, "category"),
    ({"category": "POL-FIR"}, "category"),  # category of another department
    ({"description": "   "}, "description"),
    ({"name": " "}, "citizen.name"),
    ({"phone": "981234567890"}, "phone"),
    ({"language": "fr"}, "citizen.language"),
    ({"channel": "fax"}, "channel"),
])
async def test_bad_input_stores_nothing(db: Database, kw: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        async with db.session_scope() as s:
            await service.register(s, new(**kw), AGENT, POLICY)
    assert info.value.details["field"] == field
    assert await count(db, Complaint) == 0 and await count(db, ComplaintEvent) == 0


async def test_monthly_limit_per_phone(db: Database) -> None:
    for _ in range(3):
        async with db.session_scope() as s:
            await service.register(s, new(), AGENT, POLICY)
    with pytest.raises(LimitReached, match="limit is 3"):
        async with db.session_scope() as s:
            await service.register(s, new(), AGENT, POLICY)
    assert await count(db, Complaint) == 3


async def test_refused_transition_changes_nothing(db: Database) -> None:
    async with db.session_scope() as s:
        c = await service.register(s, new(), AGENT, POLICY)
    with pytest.raises(TransitionRefused):
        async with db.session_scope() as s:
            await service.record_feedback(s, c.number, "satisfied", AGENT, POLICY)
    with pytest.raises(Forbidden):
        async with db.session_scope() as s:
            await service.dispose(s, c.number, "Land records corrected.", Who(Actor.OFFICER, "x", "REV-LKO-L1"), POLICY)
    with pytest.raises(NotFound):
        async with db.session_scope() as s:
            await service.get(s, "25110004271")
    async with db.sessions() as s:
        fresh = await service.get(s, c.number)
        assert fresh.state == "at_l1" and fresh.l1_report is None
    assert await count(db, ComplaintEvent) == 2


async def test_disposal_queues_one_feedback_call(db: Database) -> None:
    officer = Who(Actor.OFFICER, "o", "ELE-LKO-L1")
    async with db.session_scope() as s:
        c = await service.register(s, new(), AGENT, POLICY)
    async with db.session_scope() as s:
        await service.dispose(s, c.number, "Supply line fixed.", officer, POLICY)
    async with db.sessions() as s:
        contacts = (await s.scalars(select(CampaignContact))).all()
    assert len(contacts) == 1 and contacts[0].complaint_id == c.id and contacts[0].state == "queued"
    assert contacts[0].phone == "+919812345678"


async def test_unreachable_closes(db: Database) -> None:
    officer = Who(Actor.OFFICER, "o", "ELE-LKO-L1")
    async with db.session_scope() as s:
        c = await service.register(s, new(), AGENT, POLICY)
        await service.dispose(s, c.number, "Supply line fixed.", officer, POLICY)
        await service.record_feedback(s, c.number, "unreachable", Who(Actor.DIALER, "dialer"), POLICY)
    async with db.sessions() as s:
        c2 = await service.get(s, c.number)
    assert c2.state == "closed" and c2.feedback == "unreachable" and c2.closed_at is not None


@pytest.mark.postgres
async def test_fifty_concurrent_registrations_get_distinct_numbers(pg_url: str) -> None:
    db = Database(pg_url, pool_size=25)
    policy = Policy(timezone=ZoneInfo("Asia/Kolkata"), max_complaints_per_phone_per_month=100)

    async def one(i: int) -> str:
        async with db.session_scope() as s:
            c = await service.register(s, new(phone=f"98{i:08d}"), AGENT, policy)
            return c.number

    try:
        got = await asyncio.gather(*(one(i) for i in range(50)))
    finally:
        await db.dispose()
    assert len(set(got)) == 50
    assert sorted(int(n[4:10]) for n in got) == list(range(1, 51))


async def test_reopen_after_the_officer_left_goes_to_a_serving_officer(db: Database) -> None:
    from storage.models import Officer

    officer = Who(Actor.OFFICER, "o", "ELE-LKO-L1")
    async with db.session_scope() as s:
        c = await service.register(s, new(), AGENT, POLICY)
        await service.dispose(s, c.number, "Supply line fixed.", officer, POLICY)
    async with db.session_scope() as s:
        (await s.get(Officer, "ELE-LKO-L1")).active = False
    async with db.session_scope() as s:
        again = await service.record_feedback(s, c.number, "dissatisfied", Who(Actor.DIALER, "dialer"), POLICY)
    assert again.state == "at_l1" and again.officer_code == "ELE-UP-L1"


async def test_feedback_campaign_takes_window_and_attempts_from_settings(db: Database) -> None:
    from storage.models import Campaign

    policy = Policy(timezone=ZoneInfo("Asia/Kolkata"), calling_window=("10:00", "18:30"), feedback_max_attempts=5)
    async with db.session_scope() as s:
        c = await service.register(s, new(), AGENT, policy)
        await service.dispose(s, c.number, "Supply line fixed.", Who(Actor.OFFICER, "o", "ELE-LKO-L1"), policy)
    async with db.sessions() as s:
        (campaign,) = (await s.scalars(select(Campaign))).all()
    assert (campaign.window_start, campaign.window_end, campaign.max_attempts) == ("10:00", "18:30", 5)
