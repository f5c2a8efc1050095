"""Campaign limits hold across runners (issue 10): three dialer runners (as three `helpline serve`
processes would run) on one campaign never have more channels up than its max_channels, nor
start calls faster than its calls_per_second, and each contact is dialled once."""
from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from cti.ami.framing import AmiMessage
from storage.db import Database
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.dialer_harness import FakeClock, Script, ami_pool, attempts, contacts, ist, running, \
    survey_campaign, wait_until

RUNNERS = 3


async def _all_done(db: Database, campaign_id: int) -> bool:
    return all(c.state == "completed" for c in (await contacts(db, campaign_id)).values())


async def test_max_channels_hold_across_three_runners(db: Database) -> None:
    clock = FakeClock(ist(2026, 11, 24, 10, 0))
    phones = [f"98500000{i:02d}" for i in range(12)]
    script = Script(db, clock, digits={p: ["1", "1"] for p in phones})
    campaign_id = await survey_campaign(db, "name,phone\n" + "".join(f"P{p},{p}\n" for p in phones), clock(),
                                        calls_per_second=50, max_channels=2)
    in_flight: list[int] = []
    fake_ref: list[FakeAmiServer] = []

    def originate(action: AmiMessage) -> str:
        in_flight.append(len(fake_ref[0].channels) + 1)  # channels up, with this one
        return script(action)

    # time_scale: each answered call keeps its channels up for a part of its captured length
    async with FakeAmiServer(originate=originate, time_scale=0.05, auth_fail_delay=0.05) as fake:
        fake_ref.append(fake)
        async with AsyncExitStack() as stack:
            for n in range(RUNNERS):
                pool = await stack.enter_async_context(ami_pool(fake.url))
                # a small prefetch: every runner claims contacts, none takes them all
                await stack.enter_async_context(running(db, pool, clock, runner_id=f"runner-{n}", prefetch_s=0.02))
            await wait_until(lambda: _all_done(db, campaign_id), timeout=120)
        originates = fake.actions_named("Originate")
    assert len(originates) == len(phones) and len({o.get("Channel") for o in originates}) == len(phones)
    assert max(in_flight) <= 2, in_flight
    assert max(in_flight) == 2, "the test never reached the limit"
    assert len(await attempts(db, campaign_id)) == len(phones)


async def test_calls_per_second_hold_across_three_runners(db: Database) -> None:
    clock = FakeClock(ist(2026, 11, 24, 10, 0))
    phones = [f"98510000{i:02d}" for i in range(13)]
    script = Script(db, clock, digits={p: ["1", "1"] for p in phones})
    rate = 4.0
    campaign_id = await survey_campaign(db, "name,phone\n" + "".join(f"P{p},{p}\n" for p in phones), clock(),
                                        calls_per_second=rate, max_channels=50)
    started: list[float] = []

    def originate(action: AmiMessage) -> str:
        started.append(time.monotonic())
        return script(action)

    async with FakeAmiServer(originate=originate, auth_fail_delay=0.05) as fake:
        async with AsyncExitStack() as stack:
            for n in range(RUNNERS):
                pool = await stack.enter_async_context(ami_pool(fake.url))
                await stack.enter_async_context(running(db, pool, clock, runner_id=f"runner-{n}"))
            await wait_until(lambda: _all_done(db, campaign_id), timeout=120)
    assert len(started) == len(phones)
    # one token at the start, then `rate` per second for all runners together: 12 more calls take
    # at least 3 s (three runners each at the full rate would need 1 s); load only slows it down
    span = started[-1] - started[0]
    assert span >= (len(phones) - 1) / rate - 0.3, f"{len(phones)} calls in {span:.2f} s at {rate}/s"
