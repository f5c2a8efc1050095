"""AmiClient against the fake Asterisk manager over real sockets."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from cti.ami import (
    ActionFailed,
    ActionTimeout,
    AmiClient,
    AmiMessage,
    AmiPool,
    InvalidHeader,
    NotConnected,
)
from config.settings import AmiServer
from tests.fakes.ami_server import FakeAmiServer, capture
from tests.traces import ami_actions

SECRET = "labsecret"


@pytest.fixture
async def server() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(secret=SECRET, auth_fail_delay=0.05) as fake:
        yield fake


def make_client(server: FakeAmiServer, **options: object) -> AmiClient:
    settings = {"ping_interval": 5.0, "action_timeout": 2.0, "connect_timeout": 2.0,
                "reconnect_backoff": (0.05, 0.4), **options}
    secret = str(settings.pop("secret", SECRET))
    return AmiClient(server.host, server.port, "lab", secret, **settings)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running(client: AmiClient, wait: bool = True) -> AsyncIterator[AmiClient]:
    task = asyncio.create_task(client.run())
    try:
        if wait:
            await client.wait_connected(3)
        yield client
    finally:
        await client.close()
        async with asyncio.timeout(30):
            await task


async def until(check, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


def action_blocks(data: bytes) -> list[bytes]:
    return [block + b"\r\n\r\n" for block in data.split(b"\r\n\r\n") if block]


async def test_login_ok_events_and_login_bytes(server: FakeAmiServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(server)
    seen: list[AmiMessage] = []
    connects: list[AmiClient] = []
    client.subscribe(seen.append)
    client.on_connect(connects.append)
    async with running(client):
        await until(lambda: len(seen) >= 2 and connects)
        assert client.connected and client.banner == "Asterisk Call Manager/11.0.0"
        assert connects == [client]
        assert [m.event for m in seen[:2]] == ["FullyBooted", "SuccessfulAuth"]
        login = server.actions[0]
        # The same bytes as the captured login, ActionID aside.
        expected = action_blocks(ami_actions("login-ok"))[0].replace(b"login-ok-1", login.action_id.encode())
        assert bytes(server.sessions[0].received) == expected
    assert server.actions[-1].get("Action") == "Logoff"
    assert not client.connected
    assert SECRET not in caplog.text


async def test_bad_secret_fails_after_the_delay_and_retries_with_backoff(
    server: FakeAmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.auth_fail_delay = 0.1
    client = make_client(server, secret="wrong-secret", reconnect_backoff=(0.1, 0.4))
    states: list[bool] = []
    client.on_state_change(lambda c, up: states.append(up))
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with running(client, wait=False):
        await server.wait_for_action("Login", count=3, timeout=30)
        elapsed = loop.time() - started
        # two refusals of 0.1 s each plus two backoff waits of at least 0.05 s
        assert elapsed >= 0.3
        assert not client.connected and states == []
        assert "refused" in (client.last_error or "")
        assert server.logins == 0
    assert "login as 'lab' refused: Authentication failed" in caplog.text
    assert "wrong-secret" not in caplog.text
    logins = [a for a in server.actions if a.get("Action") == "Login"]
    assert len(logins) >= 3


async def test_concurrent_actions_are_matched_by_action_id(server: FakeAmiServer) -> None:
    server.originate = "answered"
    server.time_scale = 0.05  # the captured 5.7 s call takes about 0.3 s
    async with running(make_client(server)) as client:
        slow = asyncio.create_task(client.send(
            "Originate", Channel="PJSIP/sipp-uas", Context="helpline-feedback", Exten="s",
            Priority=1, Async=False))
        pings = await asyncio.gather(*(client.send("Ping") for _ in range(20)))
        assert not slow.done()  # the Pings were answered while the Originate was running
        originate = await slow
    assert len({p.action_id for p in pings}) == 20
    assert all(p.get("Ping") == "Pong" for p in pings)
    assert originate.get("Message") == "Originate successfully queued"
    sent = {a.action_id: a.get("Action") for a in server.actions}
    assert all(sent[p.action_id] == "Ping" for p in pings)
    assert sent[originate.action_id] == "Originate"


async def test_list_actions_collect_until_complete(server: FakeAmiServer) -> None:
    seen: list[AmiMessage] = []
    client = make_client(server)
    client.subscribe(seen.append)
    async with running(client):
        for n in (1001, 1002):
            await client.send("QueueAdd", Queue="helpline-hi", Interface=f"PJSIP/agent{n}",
                              MemberName=f"Agent {n}", StateInterface=f"PJSIP/agent{n}", Penalty=0, Paused=False)
        await client.send("QueuePause", Queue="helpline-hi", Interface="PJSIP/agent1002", Paused=True, Reason="lunch")
        status = await client.send_list("QueueStatus", Queue="helpline-hi")
        channels = await client.send_list("CoreShowChannels")
        summary = await client.send_list("QueueSummary", Queue="helpline-hi")
    assert [m.event for m in status] == ["QueueParams", "QueueMember", "QueueMember"]
    members = {m.get("Location"): m for m in status[1:]}
    assert members["PJSIP/agent1002"].get("Paused") == "1"
    assert members["PJSIP/agent1002"].get("PausedReason") == "lunch"
    assert members["PJSIP/agent1001"].get("Membership") == "dynamic"
    assert channels == []
    assert [(m.get("LoggedIn"), m.get("Available")) for m in summary] == [("2", "1")]
    # List items go to the caller, not to subscribers.
    assert not any(m.event in ("QueueParams", "QueueMember", "QueueSummary") for m in seen)
    assert [m.event for m in seen].count("QueueMemberAdded") == 2


async def test_a_subscriber_gets_only_the_events_it_names(server: FakeAmiServer) -> None:
    # The abandoned call's capture: Newexten and VarSet of every dialplan step among the rest.
    events = [m for m in capture("inbound-abandoned")
              if m.event and m.event not in ("FullyBooted", "SuccessfulAuth")]
    wanted = {"Newchannel", "QueueCallerJoin", "Hangup"}
    assert wanted <= {m.event for m in events} and len({m.event for m in events}) > len(wanted)
    every: list[str] = []
    named: list[str] = []
    client = make_client(server)
    client.subscribe(lambda m: every.append(m.event))
    stop = client.subscribe(lambda m: named.append(m.event), events=wanted)
    async with running(client):
        await until(lambda: "SuccessfulAuth" in every)
        every.clear()
        for msg in events:
            server.emit(msg)
        await until(lambda: len(every) == len(events))
        stop()
        server.emit(events[0])
        await until(lambda: len(every) == len(events) + 1)
    assert every[:len(events)] == [m.event for m in events]
    assert named == [m.event for m in events if m.event in wanted]


async def test_a_subscriber_where_gets_only_events_whose_header_starts_as_asked(server: FakeAmiServer) -> None:
    """`where=`: a VarSet reaches the subscriber only when its Variable starts with a prefix
    given; an unusual Variable line (no space) still reaches it; other events are untouched."""
    from cti.events import KEPT_VALUES, from_ami

    events = [m for m in capture("inbound-abandoned")
              if m.event and m.event not in ("FullyBooted", "SuccessfulAuth")]
    odd = AmiMessage.build(("Event", "VarSet"), ("Channel", "PJSIP/x"), ("Uniqueid", "1"))
    odd_line = AmiMessage(None, odd.raw + "\r\nVariable:SIPDOMAIN\r\nValue: x")
    every: list[AmiMessage] = []
    passed: list[AmiMessage] = []
    client = make_client(server)
    client.subscribe(every.append)
    client.subscribe(passed.append, where={"VarSet": ("Variable", ("HELPLINE_", "QUEUESTATUS"))})
    async with running(client):
        await until(lambda: any(m.event == "SuccessfulAuth" for m in every))
        every.clear()
        passed.clear()
        for msg in [*events, odd_line]:
            server.emit(msg)
        await until(lambda: len(every) == len(events) + 1)
    variables = [m.get("Variable") for m in passed if m.event == "VarSet"]
    assert variables and all(v.startswith(("HELPLINE_", "QUEUESTATUS")) for v in variables[:-1])
    assert variables[-1] == "SIPDOMAIN"  # the unusual line: not judged in place
    assert [m.raw for m in passed if m.event != "VarSet"] == [m.raw for m in every if m.event != "VarSet"]
    assert len([m for m in every if m.event == "VarSet"]) > len(variables)
    # The CTI's rules never drop an event from_ami keeps.
    kept_before = [m.raw for m in every if from_ami(m) is not None]
    seen: list[AmiMessage] = []
    client2 = make_client(server)
    client2.subscribe(seen.append, where=KEPT_VALUES)
    async with running(client2):
        await until(lambda: any(m.event == "SuccessfulAuth" for m in seen))
        seen.clear()
        for msg in [*events, AmiMessage.build(("Event", "Sentinel"))]:
            server.emit(msg)
        await until(lambda: any(m.event == "Sentinel" for m in seen))
    assert [m.raw for m in seen if from_ami(m) is not None] == kept_before
    assert len(seen) < len(events)



@pytest.mark.parametrize(("action", "headers", "message"), [
    ("QueueAdd", {"Queue": "no-such-queue", "Interface": "PJSIP/agent1001", "MemberName": "Agent 1001"},
     "Unable to add interface to queue: No such queue"),
    ("QueueRemove", {"Queue": "helpline-hi", "Interface": "PJSIP/agent1001"},
     "Unable to remove interface: Not there"),
    ("QueuePause", {"Queue": "helpline-hi", "Interface": "PJSIP/agent1009", "Paused": True},
     "Interface not found"),
    ("NoSuchAction", {},
     "Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands."),
    ("Originate", {"Channel": "bogus", "Context": "helpline-feedback", "Exten": "s", "Priority": 1},
     "Invalid channel"),
])
async def test_captured_errors_raise_action_failed(
    server: FakeAmiServer, action: str, headers: dict, message: str
) -> None:
    # The exact messages are the ones in queue-admin.txt.
    assert any(m.get("Message") == message for m in capture("queue-admin"))
    seen: list[str] = []
    client = make_client(server)
    client.subscribe(lambda m: seen.append(m.event))
    async with running(client):
        with pytest.raises(ActionFailed) as failure:
            await client.send(action, **headers)
        await client.send("Ping")
    assert failure.value.message == message
    assert failure.value.action == action
    assert failure.value.response.response == "Error"
    if action == "NoSuchAction":
        assert "RequestBadFormat" in seen


async def test_pending_originate_fails_on_drop_and_is_never_resent(server: FakeAmiServer) -> None:
    client = make_client(server)
    connects: list[int] = []
    states: list[bool] = []
    client.on_connect(lambda c: connects.append(c.connects))
    client.on_state_change(lambda c, up: states.append(up))
    async with running(client):
        server.silent = True
        pending = asyncio.create_task(client.send(
            "Originate", Channel="PJSIP/sipp-uas", Context="helpline-feedback", Exten="s", Priority=1,
            Async=True, variables={"HELPLINE_ATTEMPT": 42}))
        await server.wait_for_action("Originate")
        server.silent = False
        server.drop()
        with pytest.raises(NotConnected):
            await pending
        await until(lambda: len(connects) == 2)
        await client.send("Ping")
        await asyncio.sleep(0.1)
    assert len(server.actions_named("Originate")) == 1
    assert states[:3] == [True, False, True]
    assert connects == [1, 2]


async def test_send_while_disconnected_raises_at_once(server: FakeAmiServer) -> None:
    client = make_client(server)
    with pytest.raises(NotConnected):
        await client.send("Ping")
    await server.stop()
    async with running(client, wait=False):
        await asyncio.sleep(0.15)
        with pytest.raises(NotConnected):
            await client.send("QueueAdd", Queue="helpline-hi", Interface="PJSIP/agent1001")
        assert client.last_error and not client.connected
        assert len(server.sessions) == 0


async def test_reconnect_after_restart_calls_on_connect_again(server: FakeAmiServer) -> None:
    seen: list[AmiMessage] = []
    members_after: list[list[AmiMessage]] = []
    client = make_client(server)
    client.subscribe(seen.append)

    async def resync(c: AmiClient) -> None:
        members_after.append(await c.send_list("QueueStatus", Queue="helpline-hi"))

    client.on_connect(resync)
    async with running(client):
        await until(lambda: len(members_after) == 1)
        await client.send("QueueAdd", Queue="helpline-hi", Interface="PJSIP/agent1001", MemberName="Agent 1001")
        # A caller waiting in the queue: the abandoned capture up to QueueCallerJoin.
        events = list(capture("inbound-abandoned"))
        join = next(i for i, m in enumerate(events) if m.event == "QueueCallerJoin")
        for msg in events[:join + 1]:
            if msg.event and msg.event not in ("FullyBooted", "SuccessfulAuth", "QueueMemberAdded",
                                               "QueueMemberPause", "DeviceStateChange"):
                server.emit(msg)
        await until(lambda: any(m.event == "QueueCallerJoin" for m in seen))
        assert len(server.channels) == 1
        await server.restart(downtime=0.1)
        await until(lambda: len(members_after) == 2)
    names = [m.event for m in seen]
    shutdown_at = names.index("Shutdown")
    assert "SoftHangupRequest" in names[:shutdown_at]
    assert names.index("QueueCallerAbandon") < shutdown_at
    shutdown = seen[shutdown_at]
    assert shutdown.get("Restart") == "True" and shutdown.get("Shutdown") == "Uncleanly"
    assert [m.event for m in members_after[0]] == ["QueueParams"]
    assert [m.event for m in members_after[1]] == ["QueueParams"]  # dynamic member gone
    assert names.count("FullyBooted") == 2
    assert not any(a.get("Action") == "Logoff" for a in server.sessions[0].actions)


async def test_ping_detects_a_dead_peer_and_reconnects(server: FakeAmiServer) -> None:
    client = make_client(server, ping_interval=0.1, action_timeout=0.2)
    states: list[bool] = []
    client.on_state_change(lambda c, up: states.append(up))
    async with running(client):
        await until(lambda: len(server.actions_named("Ping")) >= 1)
        server.silent = True
        await until(lambda: states[-1] is False, timeout=30)
        assert "Ping" in (client.last_error or "")
        server.silent = False
        await client.wait_connected(3)
    assert states[:3] == [True, False, True]
    assert len(server.sessions) >= 2


async def test_idle_connection_sends_pings(server: FakeAmiServer) -> None:
    async with running(make_client(server, ping_interval=0.05)) as client:
        await until(lambda: len(server.actions_named("Ping")) >= 3)
        assert client.connected and len(server.sessions) == 1


async def test_action_timeout_when_asterisk_does_not_answer(server: FakeAmiServer) -> None:
    async with running(make_client(server)) as client:
        server.silent = True
        with pytest.raises(ActionTimeout):
            await client.send("QueueSummary", timeout=0.1)
        with pytest.raises(ActionTimeout):
            await client.send_list("QueueStatus", timeout=0.1)
        server.silent = False
        assert (await client.send("Ping")).get("Ping") == "Pong"


async def test_a_raising_subscriber_does_not_stop_the_others(
    server: FakeAmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(server)
    received: list[str] = []

    def broken(msg: AmiMessage) -> None:
        raise RuntimeError("subscriber bug")

    client.subscribe(broken)
    client.subscribe(lambda m: received.append(m.event))
    async with running(client):
        await until(lambda: len(received) >= 2)
        received.clear()
        count = await server.replay("inbound-abandoned")
        await until(lambda: len(received) >= count)
        assert client.connected
    expected = [m.event for m in capture("inbound-abandoned") if m.event not in (None, "FullyBooted", "SuccessfulAuth")]
    assert received == expected
    failures = [r for r in caplog.records if "failed on" in r.getMessage()]
    assert failures and "subscriber bug" in caplog.text
    assert len(failures) < 5  # one traceback, not one per event


async def test_unsubscribe(server: FakeAmiServer) -> None:
    client = make_client(server)
    received: list[str] = []
    stop = client.subscribe(lambda m: received.append(m.event))
    async with running(client):
        await until(lambda: len(received) >= 2)
        stop()
        await server.replay("originate-unregistered")
        await client.send("Ping")
    assert received == ["FullyBooted", "SuccessfulAuth"]


async def test_header_injection_is_refused_before_sending(server: FakeAmiServer) -> None:
    async with running(make_client(server)) as client:
        with pytest.raises(InvalidHeader):
            await client.send("QueueAdd", Queue="helpline-hi\r\nAction: Originate", Interface="PJSIP/agent1001")
        with pytest.raises(InvalidHeader):
            await client.send("Originate", Channel="PJSIP/x", variables={"A": "1\nAction: Hangup"})
        await client.send("Ping")
    assert [a.get("Action") for a in server.actions] == ["Login", "Ping", "Logoff"]


async def test_originate_bytes_match_the_capture(server: FakeAmiServer) -> None:
    server.originate = "busy"
    events: list[AmiMessage] = []
    client = make_client(server)
    client.subscribe(events.append)
    async with running(client):
        response = await client.send(
            "Originate", ActionID="dialer-busy-42", Channel="PJSIP/sipp-uas", Context="helpline-feedback",
            Exten="s", Priority=1, CallerID='"Helpline 1076" <1076>', Timeout=8000, Async=True,
            variables={"HELPLINE_ATTEMPT": 42, "HELPLINE_COMPLAINT_NO": "25110004271"})
        await until(lambda: any(m.event == "Hangup" for m in events))
    assert response.get("Message") == "Originate successfully queued"
    captured = action_blocks(ami_actions("originate-busy"))[1]
    assert captured in bytes(server.sessions[0].received)
    result = next(m for m in events if m.event == "OriginateResponse")
    assert (result.action_id, result.get("Reason"), result.get("Uniqueid")) == ("dialer-busy-42", "0", "<unknown>")
    assert result.get("Channel") == "PJSIP/sipp-uas"


@pytest.mark.parametrize(("outcome", "reason", "dial_status", "cause"), [
    ("answered", "4", "ANSWER", "16"),
    ("busy", "0", "BUSY", "17"),
    ("congestion", "0", "CONGESTION", "34"),
    ("no-answer", "3", None, "19"),
    ("unreachable", "3", None, "19"),
    ("unregistered", "0", None, None),
])
async def test_originate_outcomes_replay_the_captured_sequences(
    server: FakeAmiServer, outcome: str, reason: str, dial_status: str | None, cause: str | None
) -> None:
    server.originate = lambda action: outcome
    events: list[AmiMessage] = []
    client = make_client(server)
    client.subscribe(events.append)
    async with running(client):
        response = await client.send(
            "Originate", Channel="PJSIP/919812345678@trunk", Context="helpline-feedback", Exten="s",
            Priority=1, Async=True, ChannelId="helpline-dialer-7-0001",
            variables={"HELPLINE_ATTEMPT": 7})
        await until(lambda: any(m.event == "OriginateResponse" for m in events)
                    and (cause is None or any(m.event == "Hangup" for m in events)))
    result = next(m for m in events if m.event == "OriginateResponse")
    assert result.action_id == response.action_id and result.get("Reason") == reason
    assert result.get("Uniqueid") == "helpline-dialer-7-0001"
    ends = [m.get("DialStatus") for m in events if m.event == "DialEnd"]
    assert (ends[0] if ends else None) == dial_status
    hangups = [m for m in events if m.event == "Hangup"]
    assert (hangups[0].get("Cause") if hangups else None) == cause
    for msg in events:
        if msg.get("Linkedid") is not None and msg.event != "SuccessfulAuth":
            assert msg.get("Uniqueid") == "helpline-dialer-7-0001"
            assert msg.get("Channel", "").startswith("PJSIP/trunk-")
    varsets = {m.get("Variable"): m.get("Value") for m in events if m.event == "VarSet"}
    if cause is not None:
        assert varsets["HELPLINE_ATTEMPT"] == "7" and "HELPLINE_COMPLAINT_NO" not in varsets
    if outcome == "answered":
        assert result.get("Channel").startswith("PJSIP/trunk-")
    else:
        assert result.get("Channel") == "PJSIP/919812345678@trunk"
    assert server.channels == {}


async def test_close_logs_off_and_run_returns(server: FakeAmiServer) -> None:
    client = make_client(server)
    task = asyncio.create_task(client.run())
    await client.wait_connected(3)
    await client.close()
    async with asyncio.timeout(30):
        await task
    assert server.actions[-1].get("Action") == "Logoff"
    assert not client.connected


async def test_pool_status_for_health_hides_the_secret() -> None:
    async with FakeAmiServer(secret="pool-secret") as first, FakeAmiServer(secret="pool-secret") as second:
        servers = [AmiServer(first.url), AmiServer(second.url)]
        pool = AmiPool(servers, action_timeout=1.0, connect_timeout=1.0, reconnect_backoff=(0.05, 0.2))
        assert pool.status() == [{"url": s.public_url, "connected": False} for s in servers]
        with pytest.raises(NotConnected):
            pool.pick()
        received: list[tuple[str, str]] = []
        pool.subscribe(lambda client, msg: received.append((client.name, msg.event)))
        task = asyncio.create_task(pool.run())
        try:
            await until(lambda: pool.any_connected and all(s["connected"] for s in pool.status()))
            await second.stop()
            await until(lambda: [s["connected"] for s in pool.status()] == [True, False])
            assert pool.pick() is pool.clients[0]
            assert "pool-secret" not in repr(pool.status()) + repr(pool.clients)
            assert {name for name, _ in received} == {c.name for c in pool.clients}
        finally:
            await pool.close()
            async with asyncio.timeout(30):
                await task


async def test_garbage_oversize_and_split_frames_cost_nothing(server: FakeAmiServer) -> None:
    client = make_client(server, max_message_bytes=4096)
    received: list[AmiMessage] = []
    client.subscribe(received.append)
    async with running(client):
        await until(lambda: len(received) >= 2)
        received.clear()
        server.inject(b"\x00\x01garbage without colon\r\n\r\n")
        server.inject(b"Event: Huge\r\n" + b"Filler: " + b"x" * 10_000 + b"\r\n\r\n")
        varset = next(m for m in capture("agi-errors") if m.get("Variable") == "HELPLINE_TEXT_HI")
        data = varset.to_bytes()
        cut = data.index("शि".encode()) + 1  # inside a three-byte character
        server.inject(data[:cut])
        await asyncio.sleep(0.05)
        server.inject(data[cut:])
        await server.replay("originate-unregistered")
        await until(lambda: len(received) >= 2)
        assert client.connected
        assert (await client.send("Ping")).get("Ping") == "Pong"
    assert [m.event for m in received] == ["VarSet", "OriginateResponse"]
    assert received[0].get("Value") == "शिकायत की स्थिति: लंबित"
    assert len(server.sessions) == 1


async def test_truncated_frame_before_a_drop_is_forgotten(server: FakeAmiServer) -> None:
    client = make_client(server)
    received: list[str] = []
    client.subscribe(lambda m: received.append(m.event))
    async with running(client):
        await until(lambda: len(received) >= 2)
        server.inject(b"Event: Truncated\r\nChannel: PJSIP/sip")
        await asyncio.sleep(0.05)
        server.drop()
        await until(lambda: server.logins == 2 and received.count("SuccessfulAuth") == 2)
        server.emit(AmiMessage.build(Event="AfterReconnect", Privilege="call,all"))
        await until(lambda: "AfterReconnect" in received)
    assert "Truncated" not in received


@pytest.mark.parametrize("greeting", [b"", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"])
async def test_a_port_that_is_not_ami_is_reported_and_retried(greeting: bytes) -> None:
    accepted: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        writer.write(greeting)
        await reader.read()
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    client = AmiClient("127.0.0.1", port, "lab", SECRET, connect_timeout=0.2, reconnect_backoff=(0.05, 0.1))
    try:
        async with running(client, wait=False):
            await until(lambda: len(accepted) >= 2)
            assert not client.connected
            assert "banner" in (client.last_error or "")
    finally:
        listener.close()
        await listener.wait_closed()
