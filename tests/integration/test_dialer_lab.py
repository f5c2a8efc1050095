"""Scenario 7 against a real Asterisk, without SIPp: an Originate to an endpoint with no
registered contact (or of an unknown technology, scenario 2) is `Failure` with `Reason: 0` and
no channel at all, which the dialer classifies as `failed` (dialer/outcomes.py), both on its
own and inside the running dialer."""
from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from config.settings import AmiServer
from cti import events as ev
from cti.ami.pool import AmiPool
from dialer import admin
from dialer.outcomes import WATCHED, AttemptTrack
from dialer.runner import DialerConfig, DialerRunner
from storage.db import Database
from storage.models import CallAttempt, CampaignContact
from tests.integration.lab import AMI_URL, FAST_CLIENT, POLICY, REQUIRES, TZ, UNREGISTERED, ami_client, until

pytestmark = REQUIRES

SURVEY = [{"id": "q1", "prompt_hi": "क्या आपको योजना का लाभ मिला?", "prompt_en": "Did you receive the benefit?",
           "digits": {"1": "yes", "2": "no"}}]


@pytest.mark.parametrize("dial", [f"PJSIP/{UNREGISTERED}", "NoSuchTech/123"])
async def test_unregistered_endpoint_is_failed_with_reason_0(dial: str) -> None:
    async with ami_client() as client:
        channel_id = f"helpline-dialer-it-{secrets.token_hex(4)}"
        track = AttemptTrack(channel_id)

        def feed(msg) -> None:  # type: ignore[no-untyped-def]
            header = WATCHED.get(msg.event or "")
            if header and (msg.get(header) == channel_id or msg.get("ActionID") == channel_id):
                event = ev.from_ami(msg)
                if event is not None:
                    track.feed(event)
        client.subscribe(feed)
        queued = await client.send(
            "Originate", ActionID=channel_id, Channel=dial, Context="helpline-feedback",
            Exten="s", Priority=1, CallerID='"Helpline 1076" <1076>', Timeout=8000, Async="true",
            ChannelId=channel_id, variables={"HELPLINE_ATTEMPT": 42})
        assert queued.get("Message") == "Originate successfully queued"
        await until(lambda: track.finished, 15, "OriginateResponse")
        assert track.response == "Failure"
        assert track.reason == 0
        assert not track.channel_seen
        assert track.outcome == "failed"


async def test_dialer_records_the_unregistered_endpoint_as_failed(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    now = datetime.now(timezone.utc)
    async with db.session_scope() as session:
        spec = admin.build_spec({"name": "lab survey", "survey": SURVEY, "window": "00:00-23:59",
                                 "max_attempts": 1}, "09:00-21:00")
        campaign = await admin.create_campaign(session, spec, "integration", now)
        await admin.import_contacts(session, campaign.id, b"name,phone\nSita Devi,9800000009\n", now)
        await admin.change_state(session, campaign.id, "start", now)
        campaign_id = campaign.id
    pool = AmiPool([AmiServer(AMI_URL)], **FAST_CLIENT)
    config = DialerConfig(dial_string=f"PJSIP/{UNREGISTERED}", ring_timeout_s=8.0, response_grace_s=5.0,
                          result_grace_s=1.0, max_call_s=10.0, lease_s=10.0, idle_poll_s=0.2, refresh_s=0.2,
                          recover_s=5.0)
    runner = DialerRunner(db, pool, policy=POLICY, tz=TZ, config=config, runner_id="integration")
    stop = asyncio.Event()
    pool_task = asyncio.create_task(pool.run())
    try:
        await until(lambda: pool.any_connected, 10, "AMI login")
        runner_task = asyncio.create_task(runner.run(stop))
        try:
            attempt = await _ended_attempt(db, campaign_id)
        finally:
            stop.set()
            await asyncio.wait_for(runner_task, 20)
        assert attempt.outcome == "failed"
        assert attempt.answered_at is None
        async with db.sessions() as session:
            contact = await session.get(CampaignContact, attempt.contact_id)
        assert contact is not None and contact.state == "failed"
    finally:
        await pool.close()
        pool_task.cancel()
        await asyncio.gather(pool_task, return_exceptions=True)
        await db.dispose()


async def _ended_attempt(db: Database, campaign_id: int) -> CallAttempt:
    async with asyncio.timeout(30):
        while True:
            async with db.sessions() as session:
                attempt = await session.scalar(select(CallAttempt).where(
                    CallAttempt.campaign_id == campaign_id, CallAttempt.ended_at.is_not(None)))
            if attempt is not None:
                return attempt
            await asyncio.sleep(0.2)
