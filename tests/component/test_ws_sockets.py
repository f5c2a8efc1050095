"""/ws/agent and /ws/supervisor over real sockets: close codes, snapshot, wallboard, Redis fan-out."""
from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from websockets.exceptions import ConnectionClosed

from agent_console.auth import issue_token
from cti.hub import Hub
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.cti_stack import REDIS_URL, CtiStack, drain, receive_json, receive_until

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(auth_fail_delay=0.05) as server:
        yield server


async def _close_code(ws) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(30):
            while True:
                await ws.recv()
    return info.value.rcvd.code, info.value.rcvd.reason


async def test_close_codes(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack:
        assert await _close_code(await stack.socket("/ws/agent", None)) == (4001, "no token")
        code, _ = await _close_code(await stack.socket("/ws/agent", "not.a-token"))
        assert code == 4002
        token = await stack.user("agent1", extension="agent1001")
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert (await _close_code(await stack.socket("/ws/agent", forged)))[0] == 4002
        await stack.user("agent1", extension="agent1001")
        expired = issue_token(stack.settings.secret_key, 1, "agent1", "agent", -10)
        assert await _close_code(await stack.socket("/ws/agent", expired)) == (4003, "token expired")
        # An agent may not watch the wallboard.
        assert (await _close_code(await stack.socket("/ws/supervisor", token)))[0] == 4002
        # Only {"type":"ping"} may be sent.
        ws = await stack.socket("/ws/agent", token)
        snapshot = await receive_json(ws)
        assert snapshot["type"] == "agent.state" and snapshot["state"] == "logged_out"
        await ws.send('{"type":"ping"}')
        assert await receive_json(ws) == {"type": "pong"}
        await ws.send("hello")
        assert (await _close_code(ws))[0] == 4004
        # A token that expires while its socket is open closes it, pops still flowing until then.
        short = issue_token(stack.settings.secret_key, 1, "agent1", "agent", 2)
        ws = await stack.socket("/ws/agent", short)
        assert (await receive_json(ws))["type"] == "agent.state"
        await ws.send('{"type":"ping"}')
        assert await receive_json(ws) == {"type": "pong"}
        with pytest.raises(ConnectionClosed) as info:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4003, "token expired")
        # The console's session cookie works as well as ?token=.
        from websockets.asyncio.client import connect

        async with connect(f"ws://127.0.0.1:{stack.port}/ws/agent",
                           additional_headers={"Cookie": f"helpline_session={token}"}) as by_cookie:
            assert (await receive_json(by_cookie))["agent"] == "agent1001"
        # ... but not from a page of another site riding on that cookie
        async with connect(f"ws://127.0.0.1:{stack.port}/ws/agent",
                           additional_headers={"Cookie": f"helpline_session={token}",
                                               "Origin": "https://evil.example"}) as cross_site:
            assert (await _close_code(cross_site))[0] == 4002
        async with connect(f"ws://127.0.0.1:{stack.port}/ws/agent", origin=f"http://127.0.0.1:{stack.port}",
                           additional_headers={"Cookie": f"helpline_session={token}"}) as same_site:
            assert (await receive_json(same_site))["agent"] == "agent1001"


async def test_supervisor_wallboard(sqlite_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(sqlite_url, ami) as stack:
        ws = await stack.socket("/ws/supervisor", await stack.user("sup", role="supervisor"))
        first = await receive_json(ws)
        assert first["type"] == "wallboard" and first["calls_waiting"] == 0
        assert first["pbx"][0]["connected"] is True
        await ami.replay("inbound-abandoned")  # "today" is the wall clock's today

        async def board_with_abandon():  # type: ignore[no-untyped-def]
            while True:
                board = await receive_until(ws, "wallboard")
                if board["today"]["abandoned"] >= 1:
                    return board
        board = await asyncio.wait_for(board_with_abandon(), 5)
        assert board["agents_by_state"]["paused"] == 1 and board["paused_by_reason"] == {"lunch": 1}
        assert board["agents"][0]["agent"] == "agent1001" and board["agents"][0]["reason"] == "lunch"
        assert board["today"]["offered"] == 1 and board["today"]["answered"] == 0
        await ws.close()


async def test_waiting_call_on_wallboard(sqlite_url: str, ami: FakeAmiServer) -> None:
    """A caller still in queue shows as waiting, longest wait first."""
    from tests.fakes.ami_server import capture

    events = [m for m in capture("inbound-abandoned") if m.event is not None
              and m.event not in ("FullyBooted", "SuccessfulAuth")]
    cut = next(i for i, m in enumerate(events) if m.event == "QueueCallerJoin") + 1
    async with CtiStack(sqlite_url, ami) as stack:
        ws = await stack.socket("/ws/supervisor", await stack.user("sup", role="supervisor"))
        await receive_json(ws)
        for msg in events[:cut]:
            ami.emit(msg)

        async def waiting():  # type: ignore[no-untyped-def]
            while True:
                board = await receive_until(ws, "wallboard")
                if board["calls_waiting"]:
                    return board
        board = await asyncio.wait_for(waiting(), 5)
        assert board["waiting"][0]["caller"] == "+919876543211"
        assert board["waiting"][0]["queue"] == "helpline-hi"
        assert board["longest_wait_s"] == board["waiting"][0]["waited_s"] >= 0
        await ws.close()


def test_slow_socket_loses_oldest_only() -> None:
    hub = Hub(queue_size=3)
    slow, other = hub.subscribe("agent:a"), hub.subscribe("agent:b")
    for n in range(5):
        hub.publish("agent:a", {"n": n})
    hub.publish("agent:b", {"n": 9})
    assert [slow.get_nowait() for _ in range(3)] == ['{"n":2}', '{"n":3}', '{"n":4}']
    assert slow.dropped == 2 and other.get_nowait() == '{"n":9}'
    hub.publish("agent:a", {"n": 5}, dedup="k1")
    hub.publish("agent:a", {"n": 5}, dedup="k1")
    assert len(slow) == 1


async def _redis_or_skip() -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        if IN_CI:
            pytest.fail(f"Redis is required in CI ({REDIS_URL}): {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_pop_crosses_processes_through_redis(sqlite_url: str, ami: FakeAmiServer) -> None:
    """Process A holds the AMI connection; the agent's socket is on process B."""
    await _redis_or_skip()
    channel = f"helpline:test:{uuid.uuid4().hex}"
    async with CtiStack(sqlite_url, ami, redis_url=REDIS_URL, redis_channel=channel) as a, \
            CtiStack(sqlite_url, None, redis_url=REDIS_URL, redis_channel=channel) as b:
        token = await b.user("agent1", extension="agent1001")
        ws_b = await b.socket("/ws/agent", token)
        ws_a_other = await a.socket("/ws/agent", await a.user("agent2", extension="agent1002"))
        await drain(ws_b)
        await drain(ws_a_other)
        await ami.replay("inbound-answered")
        ringing = await receive_until(ws_b, "call.ringing")
        assert ringing["agent"] == "agent1001" and ringing["call"]["caller"] == "+919812345678"
        rest = [m["type"] for m in await drain(ws_b, 0.3)]
        assert rest.count("call.answered") == 1 and rest.count("call.ended") == 1
        assert a.ctx.services["hub"].connected("agent:agent1001") == 0
        assert [m for m in await drain(ws_a_other) if m["type"].startswith("call.")] == []
        await ws_b.close()
        await ws_a_other.close()


async def test_redis_down_still_delivers_locally() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hub = Hub(redis_url=f"redis://127.0.0.1:{port}/0")
    stop = asyncio.Event()
    runner = asyncio.create_task(hub.run(stop))
    await asyncio.sleep(0.1)
    sub = hub.subscribe("agent:a")
    hub.publish("agent:a", {"type": "agent.state"})
    assert sub.get_nowait() == '{"type":"agent.state"}'
    assert hub.redis_connected is False and hub.redis_dropped == 1
    stop.set()
    await asyncio.wait_for(runner, 3)
