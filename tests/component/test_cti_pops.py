"""The captures replayed by the fake AMI server, through the CTI, to real websockets and rows."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest

from cti.ami.framing import AmiFramer
from storage.models import CallbackRequest, Citizen, Complaint
from storage.queries import agents as agent_q
from storage.queries import calls as call_q
from tests.fakes.ami_server import LOGIN_EVENTS, FakeAmiServer, capture
from tests.fakes.cti_stack import CtiStack, caller_context, collect_until, drain, receive_json, receive_until
from tests.fakes.desk import variant
from tests.fakes.stamps import Restamper


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(auth_fail_delay=0.05) as server:
        yield server


async def _rows(stack: CtiStack, linkedid: str) -> list:
    async with asyncio.timeout(30):
        while True:
            async with stack.db.sessions() as session:
                rows = await call_q.by_linkedid(session, linkedid)
            if rows:
                return list(rows)
            await asyncio.sleep(0.02)


async def _seed_caller(stack: CtiStack) -> None:
    now = datetime.now(timezone.utc)
    async with stack.db.session_scope() as session:
        citizen = Citizen(phone="+919812345678", name="Ram Prasad", district_code="LKO", language="hi",
                          created_at=now)
        session.add(citizen)
        await session.flush()
        session.add(Complaint(number="25110004271", citizen_id=citizen.id, phone=citizen.phone,
                              district_code="LKO", department_code="ELE", category_code="ELE-SUPPLY",
                              description="No electricity", channel="phone", state="at_l1", level=1,
                              officer_code="ELE-LKO-L1", registered_at=now, assigned_at=now, due_at=now))
        session.add(CallbackRequest(phone="+919812345678", language="hi", queue="helpline-hi",
                                    requested_at=now, state="open"))
        session.add(CallbackRequest(phone="+919812345678", language="hi", requested_at=now, state="done"))


async def test_answered_call_pops_only_its_agent(db_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(db_url, ami) as stack:
        await _seed_caller(stack)
        mine = await stack.socket("/ws/agent", await stack.user("agent1", extension="agent1001"))
        other = await stack.socket("/ws/agent", await stack.user("agent2", extension="agent1002"))
        snapshot = await receive_json(mine)
        assert snapshot["type"] == "agent.state" and snapshot["state"] == "logged_out"
        await drain(other)

        await ami.replay("inbound-answered")
        ringing = await receive_until(mine, "call.ringing")
        rest = await collect_until(mine, "call.ended")
        if ringing.get("context") == "pending" and not any(m["type"] == "call.context" for m in rest):
            rest.append(await receive_until(mine, "call.context"))
        call = ringing["call"]
        context = caller_context([ringing, *rest], call["id"])  # in the pop, or right after it
        assert ringing["agent"] == "agent1001"
        assert call["id"] == "1795362053.0"
        assert call["caller"] == "+919812345678" and call["caller_raw"] == "919812345678"
        assert call["language"] == "hi" and call["queue"] == "helpline-hi"
        assert call["ivr_path"] == "1 > 2 (complaint-status) > 0"
        assert [c["name"] for c in context["citizens"]] == ["Ram Prasad"]
        assert [(c["number"], c["state"]) for c in context["complaints"]] == [("25110004271", "at_l1")]
        assert context["complaints"][0]["due_at"] is not None
        assert [(c["queue"], c["language"]) for c in context["callbacks"]] == [("helpline-hi", "hi")]
        assert sum(m["type"] == "call.context" for m in rest) <= 1  # once, when the pop went without it

        calls = [m for m in rest if m["type"] in ("call.answered", "call.ended")]
        assert [m["type"] for m in calls] == ["call.answered", "call.ended"]
        assert all(m["call"]["id"] == call["id"] for m in calls)
        assert calls[0]["call"]["waited_s"] == 1 and calls[1]["call"]["outcome"] == "answered"
        assert all(m["citizens"] == context["citizens"] for m in calls if "citizens" in m)
        sequence = [m["type"] if m["type"] != "agent.state" else m["state"] for m in rest
                    if m["type"] != "call.context"]
        # The end of the queues' 5 s wrap-up is a timer on the PBX's clock: the replayed capture is
        # minutes old by the fake's Ping-measured clock, so "ready" may come at once, before or
        # after the caller's Hangup is read; it always comes after wrap_up.
        assert [s for s in sequence if s != "ready"][:5] == ["ringing", "call.answered", "on_call", "wrap_up",
                                                             "call.ended"]
        assert "ready" not in sequence or sequence.index("ready") > sequence.index("wrap_up")
        wrap_up = next(m for m in rest if m["type"] == "agent.state" and m["state"] == "wrap_up")
        assert wrap_up["wrapup_s"] == 15  # helpline-hi's wrap-up (queue_settings, seeded 15 s): the desk counts it down

        assert [m["type"] for m in await drain(other)] == []

        [row] = await _rows(stack, "1795362053.0")
        assert (row.outcome, row.agent, row.wait_s, row.talk_s) == ("answered", "agent1001", 1, 3)
        assert (row.caller, row.queue, row.language) == ("+919812345678", "helpline-hi", "hi")
        assert row.ivr_path == "1 > 2 (complaint-status) > 0"
        async with stack.db.sessions() as session:
            history = [(r.state, r.user_id is not None) for r in await agent_q.state_changes(session, "agent1001")]
        assert history[:4] == [("ready", True), ("ringing", True), ("on_call", True), ("wrap_up", True)]
        await mine.close()
        await other.close()


async def test_abandoned_and_ring_no_answer_rows(db_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(db_url, ami) as stack:
        first = await stack.socket("/ws/agent", await stack.user("agent1", extension="agent1001"))
        await drain(first)
        await ami.replay("inbound-abandoned")
        await ami.replay("agent-ring-no-answer")
        [abandoned] = await _rows(stack, "1795362086.2")
        assert (abandoned.outcome, abandoned.agent, abandoned.wait_s, abandoned.queue) == \
            ("abandoned", None, 5, "helpline-hi")
        [rna] = await _rows(stack, "1795362098.3")
        assert (rna.outcome, rna.agent, rna.wait_s, rna.talk_s) == ("answered", "agent1002", 18, 3)
        # agent1001 rang without answering: its pop ends as missed.
        messages = await collect_until(first, "call.ended")
        kinds = [(m["type"], m.get("call", {}).get("outcome")) for m in messages
                 if m["type"].startswith("call.") and m["type"] != "call.context"]
        assert kinds == [("call.ringing", None), ("call.ended", "missed")]
        async with stack.db.sessions() as session:
            reasons = [(r.state, r.reason) for r in await agent_q.state_changes(session, "agent1001")]
        assert ("paused", "lunch") in reasons
        await first.close()


async def test_burst_loses_no_call(sqlite_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(sqlite_url, ami) as stack:
        await ami.replay("burst")
        async with asyncio.timeout(60):
            while True:
                async with stack.db.sessions() as session:
                    rows = await call_q.since(session, datetime(2020, 1, 1, tzinfo=timezone.utc))
                if len(rows) >= 20:
                    break
                await asyncio.sleep(0.05)
        outcomes: dict[str, int] = {}
        for row in rows:
            outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
        assert len(rows) == 20 and len({r.linkedid for r in rows}) == 20
        assert outcomes == {"answered": 12, "abandoned": 5, "timeout": 3}
        assert {r.agent for r in rows if r.outcome == "answered"} == {"agent1001", "agent1002", "agent1003"}
        assert len(stack.cti.servers[next(iter(stack.cti.servers))].calls) == 0


async def test_the_pop_never_waits_for_the_caller_lookup(sqlite_url: str, ami: FakeAmiServer) -> None:
    """A call that reaches an agent before its caller lookup is done pops at once, without the
    history; the history follows as `call.context`. A lookup done in time rides in the pop."""
    async with CtiStack(sqlite_url, ami) as stack:
        await _seed_caller(stack)
        mine = await stack.socket("/ws/agent", await stack.user("agent1", extension="agent1001"))
        await drain(mine)
        lookups = stack.cti.lookups
        looked_up = lookups.caller_context
        release = asyncio.Event()

        async def slow_database(phone: str) -> dict:
            await release.wait()
            return await looked_up(phone)

        lookups.caller_context = slow_database  # type: ignore[method-assign]
        await ami.replay("inbound-answered")
        ringing = await receive_until(mine, "call.ringing")
        assert ringing["context"] == "pending" and "citizens" not in ringing
        before = await collect_until(mine, "call.ended")  # the whole call went on without waiting for the database
        assert [m["type"] for m in before if m["type"] in ("call.answered", "call.ended")] == \
            ["call.answered", "call.ended"]
        assert not [m for m in before if m["type"] == "call.context"]
        release.set()
        follow = await receive_until(mine, "call.context")
        assert follow["call"] == {"id": ringing["call"]["id"]} and follow["agent"] == "agent1001"
        assert [c["name"] for c in follow["citizens"]] == ["Ram Prasad"]
        assert [c["number"] for c in follow["complaints"]] == ["25110004271"]
        assert [m for m in await drain(mine, 0.3) if m["type"] == "call.context"] == []  # once per agent

        # with time in the IVR the lookup, started at the call's first Newchannel, is in the pop
        lookups.caller_context = looked_up  # type: ignore[method-assign]
        data = variant("inbound-answered", "919812345678", 2)  # the same caller, a new call
        events = [m for m in AmiFramer().feed(data) if m.event is not None and m.event not in LOGIN_EVENTS]
        called = next(i for i, m in enumerate(events) if m.event == "AgentCalled")
        second = events[called].get("Linkedid")
        await ami.replay(b"".join(m.to_bytes() for m in events[:called]))
        async with asyncio.timeout(30):
            while (future := lookups.get(second)) is None or not future.done():
                await asyncio.sleep(0.01)
        await ami.replay(b"".join(m.to_bytes() for m in events[called:]))
        ringing = await receive_until(mine, "call.ringing")
        assert "context" not in ringing and [c["name"] for c in ringing["citizens"]] == ["Ram Prasad"]
        assert [m for m in await drain(mine, 0.3) if m["type"] == "call.context"] == []
        await mine.close()


async def test_wrap_up_ends_on_time_and_no_pop_waits_on_a_row(sqlite_url: str, ami: FakeAmiServer) -> None:
    """The end of a wrap-up has no AMI event: its `agent.state` ready leaves when the wrap-up runs
    out (a timer), not at the next wallboard tick (here 30 s away). And while the row writer is
    stuck on a slow database, the call's pops and the agent's states still go out."""
    async with CtiStack(sqlite_url, ami, wrapup_s=0.5, wallboard_interval=30.0) as stack:
        mine = await stack.socket("/ws/agent", await stack.user("agent1", extension="agent1001"))
        await drain(mine)
        rows = stack.cti.rows
        written = rows.flush
        release, stuck = asyncio.Event(), asyncio.Event()

        async def slow_database() -> None:
            if rows.calls or rows.states:
                stuck.set()
                await release.wait()
            await written()

        rows.flush = slow_database  # type: ignore[method-assign]
        # the call as a live Asterisk would stamp it: its last event now (the wrap-up ends 0.5 s later)
        events = [m for m in capture("inbound-answered") if m.event is not None and m.event not in LOGIN_EVENTS]
        stamps = [float(m.get("Timestamp")) for m in events if m.get("Timestamp")]
        live = Restamper.from_now(events, time.time() - (max(stamps) - min(stamps)))
        try:
            await ami.replay(b"".join(m.to_bytes() for m in live))
            messages: list[dict] = []
            arrived: dict[str, float] = {}  # agent state -> when its pop arrived
            while "ready" not in arrived or "wrap_up" not in arrived:  # the ready before the call is not it
                message = await receive_json(mine, timeout=10)  # the wrap-up's 0.5 s, far less than 30
                messages.append(message)
                if message["type"] == "agent.state":
                    arrived.pop("ready", None)
                    arrived[message["state"]] = time.monotonic()
            assert stuck.is_set() and not release.is_set()  # every pop above left while the rows waited
        finally:
            release.set()
        assert [m["state"] for m in messages if m["type"] == "agent.state"][-2:] == ["wrap_up", "ready"]
        assert {"call.ringing", "call.answered", "call.ended"} <= {m["type"] for m in messages}
        assert arrived["ready"] - arrived["wrap_up"] < 2.5  # as the wrap-up ran out, not at a tick ~30 s away
        ended = next(m for m in messages if m["type"] == "call.ended")
        assert await _rows(stack, ended["call"]["id"])
        await mine.close()
