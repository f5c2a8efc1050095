"""The dialer component of `helpline serve`: without a PBX it dials nobody; with one it uses
the CTI's AMI pool from ctx.services."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from common.context import AppContext
from dialer.run import config_from, run_dialer
from grievance.service import utcnow
from storage.db import Database
from tests.conftest import make_settings
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.dialer_harness import FAST, FakeClock, Script, ami_pool, contacts, survey_campaign, wait_until


async def test_without_pbx_nothing_is_dialled(ctx: AppContext, caplog: pytest.LogCaptureFixture) -> None:
    campaign_id = await survey_campaign(ctx.db, "name,phone\nA,9810000001\n", utcnow(), window="00:00-23:59")
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO, logger="dialer.run"):
        task = asyncio.create_task(run_dialer(ctx, stop))
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(task, 5)
    assert "no PBX configured" in caplog.text
    rows = await contacts(ctx.db, campaign_id)
    assert [(c.state, c.attempts) for c in rows.values()] == [("queued", 0)]
    assert "dialer" not in ctx.services


async def test_uses_the_cti_pool_from_services(db: Database, db_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc))  # noon in Asia/Kolkata: in the window
    script = Script(db, clock, digits={"09810000001": ["1", "1"]})
    async with FakeAmiServer(originate=script) as fake, ami_pool(fake.url) as pool:
        ctx = AppContext.build(make_settings(db_url, ami_urls=fake.url, outbound_dial="PJSIP/0{number}@gw"), db)
        campaign_id = await survey_campaign(db, "name,phone\nA,9810000001\n", clock(), window="00:00-23:59")
        stop = asyncio.Event()
        task = asyncio.create_task(run_dialer(ctx, stop, config=replace(config_from(ctx), **FAST), clock=clock))
        await asyncio.sleep(0.2)
        ctx.services["ami"] = pool  # the CTI component comes up a little later
        await wait_until(lambda: _done(db, campaign_id))
        assert "dialer" in ctx.services
        stop.set()
        await asyncio.wait_for(task, 10)
    (originate,) = fake.actions_named("Originate")
    assert originate.get("Channel") == "PJSIP/09810000001@gw"
    assert "dialer" not in ctx.services


async def _done(db: Database, campaign_id: int) -> bool:
    return all(c.state == "completed" for c in (await contacts(db, campaign_id)).values())
