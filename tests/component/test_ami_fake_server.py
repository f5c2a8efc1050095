"""The fake AMI server answers like the captured Asterisk 22 (raw sockets, no client)."""
from __future__ import annotations

import asyncio
import time

import pytest

from cti.ami import AmiClient, AmiFramer, AmiMessage
from tests.fakes.ami_server import FakeAmiServer, capture
from tests.fakes.stamps import capture_window
from tests.traces import ami, ami_actions

# Values that depend on the clock, the socket or the session, not on the protocol.
VOLATILE = {"Timestamp", "SessionID", "LocalAddress", "RemoteAddress", "Uptime", "LastReload", "EventTV",
            "SessionTV"}
LAB_CLOCK = 1795362052.11


class Peer:
    """A raw AMI connection: send bytes, read messages."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.framer = AmiFramer()
        self.messages: list[AmiMessage] = []

    @classmethod
    async def connect(cls, server: FakeAmiServer) -> Peer:
        return cls(*await asyncio.open_connection(server.host, server.port))

    async def read_until(self, check, timeout: float = 3.0) -> list[AmiMessage]:
        async with asyncio.timeout(timeout):
            while not check(self.messages):
                data = await self.reader.read(65536)
                if not data:
                    break
                self.messages.extend(self.framer.feed(data))
        return self.messages

    async def read_all(self, timeout: float = 3.0) -> bytes:
        data = b""
        async with asyncio.timeout(timeout):
            while chunk := await self.reader.read(65536):
                data += chunk
        return data

    def close(self) -> None:
        self.writer.close()


def stable(msg: AmiMessage) -> list[tuple[str, str]]:
    return [(k, v) for k, v in msg.items if k not in VOLATILE]


async def test_bad_secret_answers_exactly_like_the_capture() -> None:
    async with FakeAmiServer(auth_fail_delay=0.2) as server:
        peer = await Peer.connect(server)
        started = time.monotonic()
        peer.writer.write(ami_actions("login-bad-secret"))
        data = await peer.read_all()
        assert time.monotonic() - started >= 0.2
        assert data == ami("login-bad-secret")  # banner + error, then the close
        assert server.logins == 0


async def test_queue_admin_session_matches_the_capture() -> None:
    lab = FakeAmiServer(queues=("helpline-en", "support", "helpline-hi"),
                        static_members={"support": [("PJSIP/agent1001", "Agent 1001")]},
                        originate=lambda action: "failed", clock=lambda: LAB_CLOCK)
    async with lab as server:
        peer = await Peer.connect(server)
        peer.writer.write(ami_actions("queue-admin"))
        got = await peer.read_until(lambda ms: any(m.response == "Goodbye" for m in ms))
        await asyncio.sleep(0.05)
        peer.close()
    expected = list(capture("queue-admin"))
    assert [m.event or m.response for m in got] == [m.event or m.response for m in expected]
    for ours, theirs in zip(got, expected):
        if theirs.get("Queue") == "support" and theirs.event == "QueueMember":
            ours, theirs = (AmiMessage([p for p in m.items if p[0] != "LoginTime"]) for m in (ours, theirs))
        assert stable(ours) == stable(theirs), theirs.event or theirs.action_id


async def test_login_ok_and_logoff_frames() -> None:
    async with FakeAmiServer() as server:
        peer = await Peer.connect(server)
        peer.writer.write(ami_actions("ping"))
        got = await peer.read_until(lambda ms: any(m.response == "Goodbye" for m in ms))
        assert await peer.reader.read() == b""  # closed after Goodbye
    expected = list(capture("ping"))
    assert [stable(m) for m in got] == [stable(m) for m in expected]
    assert server.sessions[0].received == ami_actions("ping")


async def test_actions_before_login_are_refused() -> None:
    async with FakeAmiServer() as server:
        peer = await Peer.connect(server)
        peer.writer.write(b"Action: QueueStatus\r\nActionID: early-1\r\n\r\n")
        (answer,) = await peer.read_until(lambda ms: len(ms) >= 1)
        peer.close()
    assert answer.items == [("Response", "Error"), ("ActionID", "early-1"), ("Message", "Permission denied")]


async def test_events_off_sends_no_events() -> None:
    async with FakeAmiServer() as server:
        peer = await Peer.connect(server)
        peer.writer.write(b"Action: Login\r\nActionID: 1\r\nUsername: lab\r\nSecret: labsecret\r\nEvents: off\r\n\r\n")
        await peer.read_until(lambda ms: len(ms) >= 1)
        await server.replay("ping")
        peer.writer.write(b"Action: Ping\r\nActionID: 2\r\n\r\n")
        got = await peer.read_until(lambda ms: any(m.action_id == "2" for m in ms))
        peer.close()
    assert [m.event for m in got] == [None, None]


async def test_core_show_channels_and_queue_entry_follow_the_replayed_call() -> None:
    async with FakeAmiServer() as server:
        client = AmiClient(server.host, server.port, "lab", "labsecret", action_timeout=2)
        task = asyncio.create_task(client.run())
        await client.wait_connected(3)
        events = list(capture("inbound-abandoned"))
        join = next(i for i, m in enumerate(events) if m.event == "QueueCallerJoin")
        for msg in events[:join + 1]:
            if msg.event not in (None, "FullyBooted", "SuccessfulAuth"):
                server.emit(msg)
        channels = await client.send_list("CoreShowChannels")
        status = await client.send_list("QueueStatus", Queue="helpline-hi")
        for msg in events[join + 1:]:
            if msg.event is not None:
                server.emit(msg)
        after = await client.send_list("CoreShowChannels")
        await client.close()
        await task
    (channel,) = channels
    assert channel.event == "CoreShowChannel"
    assert channel.get("Channel") == "PJSIP/sipp-trunk-00000002"
    assert channel.get("Uniqueid") == channel.get("Linkedid") == "1795362086.2"
    assert channel.get("Application") == "Queue"
    assert [m.event for m in status] == ["QueueParams", "QueueMember", "QueueEntry"]
    assert status[0].get("Calls") == "1"
    assert status[2].get("CallerIDNum") == "919876543211"
    assert after == []


async def test_restart_refuses_connections_while_down() -> None:
    async with FakeAmiServer() as server:
        restart = asyncio.create_task(server.restart(downtime=0.3))
        await asyncio.sleep(0.1)
        with pytest.raises(OSError):
            await asyncio.open_connection(server.host, server.port)
        await restart
        peer = await Peer.connect(server)
        assert await peer.reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
        peer.close()
    assert server.restarts == 1


async def test_replay_with_timing_keeps_the_gaps() -> None:
    async with FakeAmiServer() as server:
        peer = await Peer.connect(server)
        peer.writer.write(b"Action: Login\r\nActionID: 1\r\nUsername: lab\r\nSecret: labsecret\r\n\r\n")
        await peer.read_until(lambda ms: len(ms) >= 3)
        started = time.monotonic()
        # originate-no-answer spans 8 s of Asterisk time; at 1/40 it takes about 0.2 s.
        sent = await server.replay("originate-no-answer", time_scale=0.025)
        elapsed = time.monotonic() - started
        got = await peer.read_until(lambda ms: len(ms) >= 3 + sent)
        peer.close()
    assert 0.15 <= elapsed < 15.0  # scaled time was kept (not replayed at once); the upper bound guards
    assert [m.event for m in got[3:]] == [m.event for m in capture("originate-no-answer")
                                          if m.event not in (None, "FullyBooted", "SuccessfulAuth")]


@pytest.mark.parametrize("now", [1_700_000_000.0, 2_000_000_000.0])
async def test_replayed_captures_are_stamped_in_the_present_with_their_intervals(now: float) -> None:
    async with FakeAmiServer(clock=lambda: now) as server:
        peer = await Peer.connect(server)
        peer.writer.write(b"Action: Login\r\nActionID: 1\r\nUsername: lab\r\nSecret: labsecret\r\n\r\n")
        await peer.read_until(lambda ms: len(ms) >= 3)
        sent = await server.replay("inbound-abandoned")
        got = (await peer.read_until(lambda ms: len(ms) >= 3 + sent))[3:]
        peer.close()
    original = [float(m.get("Timestamp")) for m in capture("inbound-abandoned") if m.get("Timestamp")
                and m.event not in ("FullyBooted", "SuccessfulAuth")]
    moved = [float(m.get("Timestamp")) for m in got if m.get("Timestamp")]
    first, last = capture_window()
    # The captures' last moment is the fake's "now"; this capture sits inside that window.
    assert now - (last - first) <= min(moved) and max(moved) <= now
    assert [round(b - a, 6) for a, b in zip(moved, moved[1:])] == [round(b - a, 6) for a, b in zip(original, original[1:])]
    assert all(m.get("Uniqueid") in (None, *[o.get("Uniqueid") for o in capture("inbound-abandoned")]) for m in got)
