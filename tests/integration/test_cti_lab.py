"""Scenario 3's first steps against a real Asterisk: a call placed into the installed
dialplan's 1076 (an Originate of a Local channel, so no SIP phone is needed) runs Helpline's
caller-lookup over FastAGI, is tracked by the CTI service and leaves one `calls` row."""
from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timezone

from agent_console.context import AppContext
from cti.run import run_cti
from cti.service import CtiService
from grievance.lifecycle import Actor
from grievance.phones import normalise_phone
from grievance.service import NewComplaint, Who, register
from ivr.fastagi import AgiChannel
from storage.db import Database
from storage.queries import calls as call_q
from tests.integration import lab
from tests.integration.lab import CALLER, FAST_CLIENT, INBOUND, POLICY, REQUIRES, until

pytestmark = REQUIRES


async def test_cti_tracks_a_call_to_1076_and_writes_its_row(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    config = lab.settings(sqlite_url)
    ctx = AppContext.build(config, db)
    async with db.session_scope() as session:
        await register(session, NewComplaint(
            phone=normalise_phone(CALLER, from_pbx=True), name="Ram Prasad", district="LKO", department="ELE",
            category="ELE-SUPPLY",
            description="No electricity in the village for three days."), Who(Actor.AGENT, "agent1"), POLICY,
            now=datetime.now(timezone.utc))
    seen: list[tuple[str, AgiChannel]] = []
    stop = asyncio.Event()
    try:
        async with lab.fastagi(db, config, seen):
            task = asyncio.create_task(run_cti(ctx, stop, pool_options=FAST_CLIENT, flush_interval=0.1))
            try:
                async with asyncio.timeout(60):
                    await _one_call(ctx, seen)
            finally:
                stop.set()
                await asyncio.wait_for(task, 15)
    finally:
        await db.dispose()


async def _one_call(ctx: AppContext, seen: list[tuple[str, AgiChannel]]) -> None:
    service: CtiService = await until(lambda: ctx.services.get("cti"), 10, "CTI service")
    await until(lambda: service.resyncs >= 1, 10, "AMI login and resync")
    call_id = f"helpline-it-{secrets.token_hex(4)}"
    client = service.pool.pick()
    await client.send("Originate", Channel=INBOUND, Application="Wait", Data="30", CallerID=f"<{CALLER}>",
                      Timeout=5000, Async="true", ChannelId=call_id, OtherChannelId=f"{call_id}-2")

    await until(lambda: service.find_call(call_id), 10, "call tracked by its Linkedid")
    lookup = await until(lambda: [ch for name, ch in seen if name == "caller-lookup"], 15,
                         "caller-lookup FastAGI session")
    assert lookup[0].caller == CALLER

    def known() -> str | None:
        found = service.find_call(call_id)
        return found[1].variables.get("HELPLINE_CALLER_KNOWN") if found else None
    assert await until(known, 10, "HELPLINE_CALLER_KNOWN on the tracked call") == "1"
    _, record = service.find_call(call_id)  # type: ignore[misc]
    assert record.variables.get("HELPLINE_OPEN_COMPLAINTS") == "1"

    await client.send("Hangup", Channel=record.channel)
    await until(lambda: service.find_call(call_id) is None, 10, "end of the call")
    await service.flush()
    async with ctx.db.sessions() as session:
        rows = await call_q.by_linkedid(session, call_id)
    assert len(rows) == 1
    row = rows[0]
    assert row.ended_at is not None and row.started_at is not None
    assert row.ended_at >= row.started_at
    assert row.hangup_cause is not None
