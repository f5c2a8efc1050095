"""A survey campaign driven to completion through the fake AMI (real Originate frames), with
the retries each outcome asks for, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from dialer import admin
from storage.db import Database
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.dialer_harness import (
    FakeClock,
    Script,
    ami_pool,
    attempts,
    busy_count,
    contacts,
    ist,
    running,
    survey_campaign,
    wait_until,
)

CSV = """name,phone,district,scheme,village
Asha Devi,9810000001,LKO,PMAY,Rampur
Babu Lal,+91 98100-00002,LKO,PMAY,Sitapur
Chandra,09810000003,,PMAY,Kheri
Dinesh,9810000004,LKO,PMAY,
Elaichi,9810000005,LKO,PMAY,Bari
"""
RETRY = {"no_answer": 120, "busy": 30, "congestion": 15, "failed": 60}


async def drive(db: Database, clock: FakeClock, campaign_id: int, rounds: int = 10) -> None:
    """Let the runner settle every due contact, then jump the clock to the next due retry."""
    for _ in range(rounds):
        await wait_until(lambda: _idle(db, clock, campaign_id))
        rows = await contacts(db, campaign_id)
        queued = [c.next_attempt_at for c in rows.values() if c.state == "queued"]
        if not queued:
            return
        clock.now = max(clock.now, min(queued))
    raise AssertionError("campaign did not finish")


async def _idle(db: Database, clock: FakeClock, campaign_id: int) -> bool:
    rows = await contacts(db, campaign_id)
    due = [c for c in rows.values() if c.state == "queued" and c.next_attempt_at <= clock()]
    return not due and await busy_count(db, campaign_id) == (0, 0)


async def test_campaign_runs_to_completion_with_retries(db: Database) -> None:
    clock = FakeClock(ist(2026, 11, 24, 10, 0))
    script = Script(db, clock, outcomes={
        "9810000002": ["busy"],
        "9810000003": ["no-answer", "no-answer", "no-answer"],
        "9810000004": ["congestion", "unreachable"],
        "9810000005": ["unregistered"],
    }, digits={"9810000001": ["1", "2"], "9810000002": ["2", "1"], "9810000004": ["1"], "9810000005": ["2", "3"]})
    campaign_id = await survey_campaign(db, CSV, clock(), retry_minutes=RETRY, max_attempts=3, daily_cap=2,
                                        calls_per_second=20,
                                        max_channels=3)
    async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as pool:
        async with running(db, pool, clock):
            await drive(db, clock, campaign_id)
            await wait_until(lambda: _state(db, campaign_id, "completed"))
        originates = fake.actions_named("Originate")

    by_phone = await contacts(db, campaign_id)
    assert {p: (c.state, c.attempts, c.last_outcome) for p, c in by_phone.items()} == {
        "+919810000001": ("completed", 1, "completed"),
        "+919810000002": ("completed", 2, "completed"),
        "+919810000003": ("failed", 3, "no_answer"),
        "+919810000004": ("completed", 3, "partial"),
        "+919810000005": ("completed", 2, "completed"),
    }
    rows = await attempts(db, campaign_id)
    seq = {}
    for a in rows:
        seq.setdefault(a.number, []).append((a.outcome, a.started_at))
    assert [o for o, _ in seq["+919810000002"]] == ["busy", "answered"]
    assert seq["+919810000002"][1][1] - seq["+919810000002"][0][1] == timedelta(minutes=30)
    assert [o for o, _ in seq["+919810000003"]] == ["no_answer"] * 3
    assert seq["+919810000003"][1][1] - seq["+919810000003"][0][1] == timedelta(minutes=120)
    # the per-number daily cap (2): the third call waits for the next day's window
    assert seq["+919810000003"][2][1] == ist(2026, 11, 25, 9, 0)
    assert [o for o, _ in seq["+919810000004"]] == ["congestion", "unreachable", "answered"]
    assert seq["+919810000004"][1][1] - seq["+919810000004"][0][1] == timedelta(minutes=15)
    assert seq["+919810000004"][2][1] == ist(2026, 11, 25, 9, 0)
    assert [o for o, _ in seq["+919810000005"]] == ["failed", "answered"]
    assert seq["+919810000005"][1][1] - seq["+919810000005"][0][1] == timedelta(minutes=60)

    # exactly the captured Originate shape, one per attempt, each attempt once
    assert len(originates) == len(rows) == 11
    assert len({o.get("ChannelId") for o in originates}) == 11
    first = next(o for o in originates if "9810000001" in o.get("Channel"))
    attempt_id = next(a.id for a in rows if a.number == "+919810000001")
    assert first.get("Channel") == "PJSIP/9810000001@trunk"
    assert first.get("Context") == "helpline-survey" and first.get("Exten") == "s" and first.get("Priority") == "1"
    assert first.get("CallerID") == '"Helpline 1076" <1076>' and first.get("Async") == "true"
    assert first.get("Timeout") == "2000"
    assert first.get("ChannelId").startswith(f"helpline-dialer-{attempt_id}-")
    assert f"HELPLINE_ATTEMPT={attempt_id}" in first.getall("Variable")

    async with db.sessions() as session:
        campaign = await admin.get_campaign(session, campaign_id)
        progress = await admin.progress(session, campaign)
    assert campaign.state == "completed"
    assert progress["completed"] == 4 and progress["failed"] == 1 and progress["queued"] == 0
    assert progress["dialled"] == 11 and progress["answered"] == 4
    assert progress["failed_by_reason"] == {"no_answer": 1}
    assert progress["outcomes"]["no_answer"] == 3 and progress["outcomes"]["busy"] == 1
    assert progress["answers"]["q1"] == {"1 yes": 2, "2 no": 2}
    assert progress["answers"]["q2"] == {"2 not satisfied": 1, "1 satisfied": 1, "3 no opinion": 1}


async def _state(db: Database, campaign_id: int, state: str) -> bool:
    async with db.sessions() as session:
        return (await admin.get_campaign(session, campaign_id)).state == state


async def test_window_edge_and_sunday(db: Database) -> None:
    clock = FakeClock(ist(2026, 11, 24, 21, 0, 0))  # a Tuesday, the window just closed
    script = Script(db, clock, digits={"9810000001": ["1", "1"]})
    csv = "name,phone\nAsha,9810000001\nBabu,9810000002\n"
    campaign_id = await survey_campaign(db, csv, ist(2026, 11, 24, 8, 0), days=["mon", "tue", "wed", "thu", "fri", "sat"],
                                        calls_per_second=0.2, max_channels=1)
    async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as pool:
        async with running(db, pool, clock):
            await wait_until(lambda: _refreshed(), timeout=30)
            assert fake.actions_named("Originate") == []
            clock.now = ist(2026, 11, 29, 12, 0)  # Sunday noon: not a calling day
            await _settle_for(0.3)
            assert fake.actions_named("Originate") == []
            clock.now = ist(2026, 11, 24, 20, 59, 59)  # one second before the end
            await wait_until(lambda: _originated(fake, 1), timeout=30)
            clock.now = ist(2026, 11, 24, 21, 0, 0)
            await wait_until(lambda: _no_call_open(db, campaign_id))
            await _settle_for(0.5)
            assert len(fake.actions_named("Originate")) == 1
    by_phone = await contacts(db, campaign_id)
    assert sorted(c.state for c in by_phone.values()) == ["completed", "queued"]


async def _no_call_open(db: Database, campaign_id: int) -> bool:
    return await busy_count(db, campaign_id) == (0, 0)


async def _refreshed() -> bool:
    await _settle_for(0.2)
    return True


async def _settle_for(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def _originated(fake: FakeAmiServer, n: int) -> bool:
    return len(fake.actions_named("Originate")) >= n


async def test_scheduled_start_and_pause(db: Database) -> None:
    clock = FakeClock(ist(2026, 11, 24, 10, 0))
    script = Script(db, clock, digits={f"98500000{i:02d}": ["1", "1"] for i in range(6)})
    csv = "name,phone\n" + "".join(f"P{i},98500000{i:02d}\n" for i in range(6))
    campaign_id = await survey_campaign(db, csv, clock(), scheduled_at=ist(2026, 11, 24, 11, 0).isoformat(),
                                        calls_per_second=0.5, max_channels=1)
    assert await _state(db, campaign_id, "scheduled")
    async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as pool:
        async with running(db, pool, clock):
            await _settle_for(0.3)
            assert fake.actions_named("Originate") == []
            clock.now = ist(2026, 11, 24, 11, 0)
            await wait_until(lambda: _originated(fake, 1))
            assert await _state(db, campaign_id, "running")
            async with db.session_scope() as session:
                await admin.change_state(session, campaign_id, "pause", clock())
            await wait_until(lambda: _no_call_open(db, campaign_id))
            await _settle_for(2.5)  # the rate (0.5/s) would have allowed another call by now
            assert len(fake.actions_named("Originate")) == 1
    rows = await contacts(db, campaign_id)
    assert sorted(c.state for c in rows.values()) == ["completed"] + ["queued"] * 5
    assert all(c.lease_owner is None for c in rows.values())


async def test_the_holiday_calendar_stops_calls_as_the_queues_close(db: Database) -> None:
    from ivr import hours_admin

    async with db.session_scope() as session:
        await hours_admin.add_holiday(session, "2026-11-25", "Guru Nanak Jayanti", "गुरु नानक जयंती", "admin")
    clock = FakeClock(ist(2026, 11, 25, 12, 0))  # a Wednesday in the window, but a holiday
    script = Script(db, clock, digits={"9810000001": ["1", "1"]})
    campaign_id = await survey_campaign(db, "name,phone\nAsha,9810000001\n", ist(2026, 11, 24, 8, 0),
                                        calls_per_second=5, max_channels=1)
    async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as pool:
        async with running(db, pool, clock):
            await _settle_for(0.5)
            assert fake.actions_named("Originate") == []
            clock.now = ist(2026, 11, 26, 9, 0)  # the next morning
            await wait_until(lambda: _originated(fake, 1), timeout=10)
    assert (await contacts(db, campaign_id))["+919810000001"].attempts == 1
