"""A runner that dies mid-campaign: nobody is dialled twice for one attempt, nobody is stranded;
two runners on PostgreSQL never claim the same contact."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from dialer.runner import DialerConfig, DialerRunner
from storage.db import Database
from storage.queries import dialer as dialer_q
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.dialer_harness import (
    FAST,
    IST,
    POLICY,
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

CSV = "name,phone\n" + "".join(f"Person {i},98300000{i:02d}\n" for i in range(1, 9))


def attempt_of(action) -> int:  # type: ignore[no-untyped-def]
    return int(dict(v.partition("=")[::2] for v in action.getall("Variable"))["HELPLINE_ATTEMPT"])


async def test_killed_runner_restarted_dials_nobody_twice(db: Database) -> None:
    clock = FakeClock(ist(2026, 11, 24, 10, 0))
    script = Script(db, clock, digits={f"98300000{i:02d}": ["1", "1"] for i in range(1, 9)})
    campaign_id = await survey_campaign(db, CSV, clock(), calls_per_second=50, max_channels=3)
    async with FakeAmiServer(originate=script) as fake:
        # runner A: Asterisk takes its three Originates and never answers; then A dies
        async with ami_pool(fake.url) as pool_a:
            fake.silent = True
            runner_a = DialerRunner(db, pool_a, policy=POLICY, tz=IST, config=DialerConfig(**{**FAST, "prefetch_s": 0.02}),
                                    runner_id="runner-a", clock=clock)
            task = asyncio.create_task(runner_a.run(asyncio.Event()))
            await fake.wait_for_action("Originate", count=3, timeout=60)
            await wait_until(lambda: _open_at_least(db, campaign_id, 3))  # A's three attempts are written
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            fake.drop()
        a_attempts = {attempt_of(o) for o in fake.actions_named("Originate")}
        assert len(a_attempts) == 3
        leased, open_ = await busy_count(db, campaign_id)
        assert open_ == 3 and 3 <= leased < 8  # A had leased a few more than it dialled
        # a contact claimed by a runner that died before creating any attempt
        async with db.session_scope() as s:
            stranded = await dialer_q.claim(s, campaign_id, "runner-dead", clock(), clock() + timedelta(seconds=5), 1)
        assert len(stranded) == 1
        fake.silent = False

        async with ami_pool(fake.url) as pool_b, running(db, pool_b, clock, runner_id="runner-b") as runner_b:
            clock.advance(seconds=FAST["campaign_lease_s"] + 1)  # A no longer renews its hold on the campaign
            # B calls the untouched contacts and the dead claimer's (its lease ran out) to the end;
            # A's three wait with their attempts open
            await wait_until(lambda: _settled(db, campaign_id, completed=5, open_=3))
            assert not any(attempt_of(o) in a_attempts for o in fake.actions_named("Originate")[3:])
            clock.advance(seconds=30)  # leases of A and of the dead claimer have expired, calls long over
            await runner_b.recover()
            await wait_until(lambda: _only_open(db, campaign_id, 0))
            clock.advance(minutes=61)  # the retry delay after an unknown outcome ("failed": 60 min)
            await wait_until(lambda: _all_done(db, campaign_id))

    originated = [attempt_of(o) for o in fake.actions_named("Originate")]
    assert len(originated) == len(set(originated)), "an attempt was originated twice"
    rows = await attempts(db, campaign_id)
    assert {a.id for a in rows} == set(originated)
    assert sorted(a.outcome for a in rows if a.id in a_attempts) == ["unknown"] * 3
    per_number = Counter(a.number for a in rows)
    by_phone = await contacts(db, campaign_id)
    assert all(c.state == "completed" for c in by_phone.values())
    assert sorted(per_number.values()) == [1] * 5 + [2] * 3
    answered = Counter(a.number for a in rows if a.outcome == "answered")
    assert set(answered.values()) == {1} and len(answered) == 8


async def _open_at_least(db: Database, campaign_id: int, n: int) -> bool:
    return (await busy_count(db, campaign_id))[1] >= n


async def _only_open(db: Database, campaign_id: int, n: int) -> bool:
    rows = await contacts(db, campaign_id)
    queued_now = [c for c in rows.values() if c.state == "queued" and c.attempts == 0]
    _, open_ = await busy_count(db, campaign_id)
    return not queued_now and open_ == n


async def _settled(db: Database, campaign_id: int, *, completed: int, open_: int) -> bool:
    """Exactly `completed` contacts are done and `open_` attempts open: no call of a live runner is
    between its claim and its result (a clock jump then would expire that runner's leases)."""
    rows = await contacts(db, campaign_id)
    done = sum(1 for c in rows.values() if c.state == "completed")
    return done == completed and (await busy_count(db, campaign_id))[1] == open_


async def _all_done(db: Database, campaign_id: int) -> bool:
    rows = await contacts(db, campaign_id)
    return all(c.state == "completed" for c in rows.values())


async def test_two_runners_never_claim_the_same_contact(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        clock = FakeClock(ist(2026, 11, 24, 10, 0))
        csv = "name,phone\n" + "".join(f"P{i},9{i:09d}\n" for i in range(400_000_000, 400_000_600))
        campaign_id = await survey_campaign(db, csv, clock())

        async def claimer(owner: str) -> list[int]:
            got: list[int] = []
            while True:
                async with db.session_scope() as s:
                    batch = await dialer_q.claim(s, campaign_id, owner, clock(), clock() + timedelta(minutes=1), 7)
                if not batch:
                    return got
                got.extend(c.id for c in batch)

        results = await asyncio.gather(*(claimer(f"runner-{i}") for i in range(4)))
        claimed = [cid for batch in results for cid in batch]
        assert len(claimed) == 600 and len(set(claimed)) == 600
        assert all(results), "every runner got work"

        # and two whole runners against one Asterisk dial every contact exactly once
        small = "name,phone\n" + "".join(f"Q{i},98400000{i:02d}\n" for i in range(40))
        second = await survey_campaign(db, small, clock(), calls_per_second=100, max_channels=10)
        script = Script(db, clock, digits={f"98400000{i:02d}": ["1", "2"] for i in range(40)})
        async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as p1, ami_pool(fake.url) as p2:
            async with running(db, p1, clock, runner_id="r1"), running(db, p2, clock, runner_id="r2"):
                await wait_until(lambda: _all_done(db, second), timeout=300)  # guards a hang only
        numbers = [o.get("Channel") for o in fake.actions_named("Originate")]
        assert len(numbers) == 40 and len(set(numbers)) == 40
        runners = Counter(a.runner for a in await attempts(db, second))
        assert set(runners) <= {"r1", "r2"} and sum(runners.values()) == 40
    finally:
        await db.dispose()
