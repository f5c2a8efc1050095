"""caller-lookup, callback-request and the failure context, through the real FastAGI server."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from common.context import AppContext
from config.settings import Settings

from grievance.service import Policy
from ivr import scripts
from ivr.fastagi import FastAgiServer
from ivr.flows.common import FlowDeps
from ivr.routes import build_routes
from ivr.service import run_fastagi
from storage.db import Database
from storage.models import CallbackRequest
from tests.fakes.agi_peer import FakeAgiPeer, wait_until
from tests.fakes.flow_world import CALLER, flow_world
from tests.traces import agi_transcript


async def test_known_caller_gets_language_name_and_open_complaints(db_url: str) -> None:
    async with flow_world(db_url) as world:
        await world.complaint("at_l1", language="en")
        await world.complaint("disposed", language="en")
        await world.complaint("closed", language="en")
        call = await world.peer.call("caller-lookup", caller=CALLER)
    assert call.variables == {
        "HELPLINE_CALLER_KNOWN": "1", "HELPLINE_OPEN_COMPLAINTS": "2", "HELPLINE_CITIZEN_LANG": "en",
        "HELPLINE_CITIZEN_NAME": "Ram Prasad",
    }
    assert call.verbose == ["caller-lookup caller=XXXXXXXX5678 known=1 open=2"]
    assert not any("9812345678" in line for line in call.commands)
    assert "STREAM FILE" not in call.verbs and "ANSWER" not in call.verbs


async def test_caller_lookup_on_the_captured_call(sqlite_url: str) -> None:
    env = {k: v for k, v in (line.split(": ", 1) for side, line in agi_transcript("caller-lookup")
                             if side == "A" and line.startswith("agi_") and ": " in line)}
    async with flow_world(sqlite_url) as world:
        await world.complaint("at_l1")
        call = await world.peer.call("caller-lookup", env=env)
    assert call.env["agi_callerid"] == "919812345678"
    assert call.variables["HELPLINE_CALLER_KNOWN"] == "1"
    assert call.variables["HELPLINE_OPEN_COMPLAINTS"] == "1"
    assert call.verbose == ["caller-lookup caller=XXXXXXXX5678 known=1 open=1"]


async def test_two_citizens_on_one_number_get_no_name(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        await world.complaint("at_l1", name="Ram Prasad")
        await world.complaint("closed", name="Sita Devi", language="en")
        call = await world.peer.call("caller-lookup", caller=CALLER)
    assert call.variables["HELPLINE_CALLER_KNOWN"] == "1"
    assert call.variables["HELPLINE_OPEN_COMPLAINTS"] == "1"
    assert call.variables["HELPLINE_CITIZEN_LANG"] == "en"  # the newest citizen's
    assert "HELPLINE_CITIZEN_NAME" not in call.variables


async def test_unknown_and_anonymous_callers(db_url: str) -> None:
    async with flow_world(db_url) as world:
        await world.complaint("at_l1")
        calls = [await world.peer.call("caller-lookup", caller=caller, env={"agi_language": "en"})
                 for caller in ("919800000001", "unknown", "anonymous", "", "1076", "+1 415 555 0100")]
    for call in calls:
        assert call.variables == {"HELPLINE_CALLER_KNOWN": "0", "HELPLINE_OPEN_COMPLAINTS": "0",
                                  "HELPLINE_CITIZEN_LANG": "en"}, call.env["agi_callerid"]
    assert calls[0].verbose == ["caller-lookup caller=XXXXXXXX0001 known=0 open=0"]
    assert calls[1].verbose == ["caller-lookup caller=unknown known=0 open=0"]
    assert world.server.errors == 0


async def callbacks(db: Database) -> list[CallbackRequest]:
    async with db.sessions() as session:
        return list((await session.scalars(select(CallbackRequest).order_by(CallbackRequest.id))).all())


async def test_callback_request_is_stored_once_and_keeps_the_first_join_time(db_url: str) -> None:
    async with flow_world(db_url) as world:
        now = world.clock()
        joined = int((now - timedelta(minutes=12)).timestamp())
        variables = {"HELPLINE_QUEUE": "helpline-en", "HELPLINE_QUEUE_JOINED": str(joined),
                     "CHANNEL(linkedid)": "1795362053.0"}
        first = await world.peer.call("callback-request", caller=CALLER, args=["caller"], variables=variables,
                                       env={"agi_language": "en"})
        later = dict(variables, HELPLINE_QUEUE_JOINED=str(joined + 300))
        second = await world.peer.call("callback-request", caller=CALLER, args=["timeout"], variables=later)
        other = await world.peer.call("callback-request", caller="919800000001", args=["full"],
                                      variables={"HELPLINE_QUEUE": "helpline-hi"})
        rows = await callbacks(world.db)
    assert len(rows) == 2
    mine = rows[0]
    assert first.variables["HELPLINE_CALLBACK"] == second.variables["HELPLINE_CALLBACK"] == str(mine.id)
    assert other.variables["HELPLINE_CALLBACK"] == str(rows[1].id)
    assert (mine.phone, mine.language, mine.queue, mine.linkedid, mine.state) == (
        "+919812345678", "en", "helpline-en", "1795362053.0", "open")
    assert mine.queue_joined_at == datetime.fromtimestamp(joined, timezone.utc)
    assert mine.requested_at == now
    # no join time from the dialplan: ordered by the request time; linkedid falls back to uniqueid
    assert rows[1].queue_joined_at == now and rows[1].linkedid == other.env["agi_uniqueid"]
    assert "STREAM FILE" not in first.verbs  # the dialplan confirms (helpline/callback-confirmed)


async def test_callback_without_caller_id_stores_nothing(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        call = await world.peer.call("callback-request", caller="anonymous", args=["caller"],
                                     variables={"HELPLINE_QUEUE": "helpline-hi"})
        rows = await callbacks(world.db)
    assert rows == []
    assert "HELPLINE_CALLBACK" not in call.variables
    assert world.server.errors == 0


async def test_database_down_sends_the_caller_to_the_failure_context() -> None:
    db = Database("postgresql+asyncpg://helpline@127.0.0.1:1/helpline")  # nothing listens on port 1
    deps = FlowDeps(db=db, policy=Policy(timezone=ZoneInfo("Asia/Kolkata")), tz=ZoneInfo("Asia/Kolkata"))
    try:
        async with FastAgiServer(build_routes(deps), "127.0.0.1", 0,
                                 failure_context=scripts.FAILURE_CONTEXT) as server:
            async with FakeAgiPeer("127.0.0.1", server.port) as peer:
                lookup = await peer.call("caller-lookup", caller=CALLER)
                status = await peer.call("complaint-status", digits=["25110004271"])
            await wait_until(lambda: server.active == 0)
    finally:
        await db.dispose()
    for call in (lookup, status):
        assert call.failed and call.goto == ("helpline-failure", "s", "1")
    assert status.verbs[:2] == ["ANSWER", "GET DATA"]  # the number was valid, the lookup failed
    assert server.errors == 2 and server.hangups == 0


def test_the_route_table_serves_every_agi_script() -> None:
    deps = FlowDeps(db=Database("sqlite+aiosqlite:///:memory:"), policy=Policy(timezone=ZoneInfo("Asia/Kolkata")),
                    tz=ZoneInfo("Asia/Kolkata"))
    assert set(build_routes(deps)) == set(scripts.AGI_SCRIPTS)


async def test_run_fastagi_serves_until_stopped(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, secret_key="test-secret", ami_urls="", redis_url="",
                        agi_host="127.0.0.1", agi_port=0)
    db = Database(sqlite_url)
    ctx = AppContext.build(settings, db)
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(run_fastagi(ctx, stop))
        await wait_until(lambda: "fastagi" in ctx.services)
        server = ctx.services["fastagi"]
        async with FakeAgiPeer("127.0.0.1", server.port) as peer:
            call = await peer.call("caller-lookup", caller="919800000001")
        stop.set()
        await asyncio.wait_for(task, 5)
    finally:
        await db.dispose()
    assert call.variables["HELPLINE_CALLER_KNOWN"] == "0"
    assert "fastagi" not in ctx.services
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", server.port)
