"""AMI connection lost mid-call, and Asterisk restarts: resync and agents put back in the queues."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from storage.queries import calls as call_q
from tests.fakes.ami_server import FakeAmiServer, capture
from tests.fakes.cti_stack import CtiStack, drain, receive_until


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(auth_fail_delay=0.05) as server:
        yield server


async def _until(check, timeout: float = 3.0):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.02)
    return result


async def test_drop_mid_call_reconnects_and_resyncs(sqlite_url: str, ami: FakeAmiServer) -> None:
    events = [m for m in capture("inbound-answered") if m.event is not None
              and m.event not in ("FullyBooted", "SuccessfulAuth")]
    cut = next(i for i, m in enumerate(events) if m.event == "AgentConnect") + 1
    async with CtiStack(sqlite_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001", languages="hi")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            r = await http.post("/api/v1/agents/me/login", json={"extension": "agent1001"},
                                headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
        ws = await stack.socket("/ws/agent", token)
        await drain(ws)
        for msg in events[:cut]:
            ami.emit(msg)
        answered = await receive_until(ws, "call.answered")
        call_id = answered["call"]["id"]
        assert len(ami.actions_named("QueueStatus")) == 1

        ami.drop()
        await ami.wait_for_action("QueueStatus", count=2)
        await ami.wait_for_action("CoreShowChannels", count=2)
        await _until(lambda: _true(stack.cti.resyncs >= 2))
        # Not a restart: the member is still there, so it is not added twice.
        assert len(ami.actions_named("QueueAdd")) == 1
        server = next(iter(stack.cti.servers.values()))
        assert call_id in server.calls and server.calls.get(call_id).agent == "PJSIP/agent1001"

        for msg in events[cut:]:
            ami.emit(msg)
        ended = await receive_until(ws, "call.ended")
        assert ended["call"]["id"] == call_id and ended["call"]["outcome"] == "answered"

        async def row():  # type: ignore[no-untyped-def]
            async with stack.db.sessions() as session:
                return await call_q.by_linkedid(session, call_id)
        [only] = await _until(row)
        assert (only.outcome, only.agent, only.talk_s) == ("answered", "agent1001", 3)
        await ws.close()


async def _true(value: bool) -> bool:
    return value


async def test_restart_puts_agents_back_with_pause_state(db_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(db_url, ami) as stack:
        paused_token = await stack.user("agent1", extension="agent1001")
        ready_token = await stack.user("agent2", extension="agent1002", languages="en")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            for token in (paused_token, ready_token):
                r = await http.post("/api/v1/agents/me/login", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200, r.text
            r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"},
                                headers={"Authorization": f"Bearer {paused_token}"})
            assert r.status_code == 200, r.text
        assert len(ami.actions_named("QueueAdd")) == 3

        await ami.restart()
        await ami.wait_for_logins(2)
        await ami.wait_for_action("QueueAdd", count=6)
        await _until(lambda: _true(stack.cti.resyncs >= 2))
        readded = ami.actions_named("QueueAdd")[3:]
        shapes = sorted((a.get("Queue"), a.get("Interface"), a.get("Paused"), a.get("Reason")) for a in readded)
        assert shapes == [("helpline-en", "PJSIP/agent1001", "true", "lunch"),
                          ("helpline-en", "PJSIP/agent1002", "false", None),
                          ("helpline-hi", "PJSIP/agent1001", "true", "lunch")]
        assert ami.members["helpline-hi"]["PJSIP/agent1001"]["Paused"] == "1"
        assert ami.members["helpline-hi"]["PJSIP/agent1001"]["PausedReason"] == "lunch"

        async def states():  # type: ignore[no-untyped-def]
            view = stack.cti.agent_view("agent1001")
            return view if view["state"] == "paused" else None
        view = await _until(states)
        assert view["reason"] == "lunch" and set(view["queues"]) == {"helpline-hi", "helpline-en"}
        assert stack.cti.agent_view("agent1002")["state"] == "ready"


async def test_a_hangup_right_after_the_snapshot_leaves_no_ghost_call(sqlite_url: str, ami: FakeAmiServer) -> None:
    """The snapshot is older than the events that follow it: they must win (no ghost in the queue)."""
    events = [m for m in capture("inbound-abandoned") if m.event is not None
              and m.event not in ("FullyBooted", "SuccessfulAuth")]
    joined = next(i for i, m in enumerate(events) if m.event == "QueueCallerJoin") + 1
    answer_list = ami._action_queuestatus

    def list_then_hang_up(session, action, aid):  # type: ignore[no-untyped-def]
        answer_list(session, action, aid)
        for msg in events[joined:]:  # the caller hangs up between QueueStatus and CoreShowChannels
            ami.emit(msg)

    async with CtiStack(sqlite_url, ami) as stack:
        for msg in events[:joined]:
            ami.emit(msg)
        server = next(iter(stack.cti.servers.values()))
        await _until(lambda: _true(len(server.calls.waiting()) == 1))
        call_id = server.calls.waiting()[0].id
        ami._action_queuestatus = list_then_hang_up  # type: ignore[method-assign]
        ami.drop()
        await _until(lambda: _true(stack.cti.resyncs >= 2))

        async def row():  # type: ignore[no-untyped-def]
            async with stack.db.sessions() as session:
                return await call_q.by_linkedid(session, call_id)
        [only] = await _until(row)
        assert only.outcome == "abandoned"
        assert server.calls.waiting() == [] and call_id not in server.calls


async def test_a_call_arriving_while_the_snapshot_is_taken_is_kept(sqlite_url: str, ami: FakeAmiServer) -> None:
    """A call that starts after Asterisk answered CoreShowChannels is not in the snapshot: keep it."""
    events = [m for m in capture("inbound-abandoned") if m.event is not None
              and m.event not in ("FullyBooted", "SuccessfulAuth")]
    joined = next(i for i, m in enumerate(events) if m.event == "QueueCallerJoin") + 1
    answer_list = ami._action_coreshowchannels

    def list_then_new_call(session, action, aid):  # type: ignore[no-untyped-def]
        answer_list(session, action, aid)
        for msg in events[:joined]:  # a citizen's call arrives right after the list
            ami.emit(msg)

    async with CtiStack(sqlite_url, ami) as stack:
        server = next(iter(stack.cti.servers.values()))
        ami._action_coreshowchannels = list_then_new_call  # type: ignore[method-assign]
        ami.drop()
        await _until(lambda: _true(stack.cti.resyncs >= 2))
        await asyncio.sleep(0.1)
        waiting = server.calls.waiting()
        assert len(waiting) == 1 and waiting[0].caller == "919876543211"
        for msg in events[joined:]:
            ami.emit(msg)
        call_id = waiting[0].id

        async def row():  # type: ignore[no-untyped-def]
            async with stack.db.sessions() as session:
                return await call_q.by_linkedid(session, call_id)
        [only] = await _until(row)
        assert only.outcome == "abandoned"


async def test_restart_while_asterisk_still_boots_resyncs_once_it_has(db_url: str, ami: FakeAmiServer) -> None:
    """Found on the real Asterisk: after a restart the manager takes the login before app_queue
    is loaded and answers QueueStatus "Invalid/unknown command"; the agents must still come back."""
    async with CtiStack(db_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            r = await http.post("/api/v1/agents/me/login", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
        ami.booting = 3
        await ami.restart()
        await ami.wait_for_action("QueueAdd", count=4, timeout=15)
        assert ami.booting == 0
        assert len(ami.actions_named("QueueStatus")) >= 5  # first connect, three refusals, the resync
        assert sorted(ami.members) == ["helpline-en", "helpline-hi"]
        assert "PJSIP/agent1001" in ami.members["helpline-hi"]
