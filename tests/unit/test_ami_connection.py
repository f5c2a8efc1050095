"""AmiConnection's protocol callbacks with a stand-in transport (no socket)."""
from __future__ import annotations

import asyncio

import pytest

from cti.ami.connection import AmiConnection
from cti.ami.errors import NotConnected


class _Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass

    def abort(self) -> None:
        self.aborted = True


async def test_reads_go_to_receive_and_a_failing_receive_ends_the_connection() -> None:
    seen: list[bytes] = []

    def receive(data: memoryview) -> None:
        if bytes(data) == b"bad":
            raise ValueError("not AMI")
        seen.append(bytes(data))

    conn, transport = AmiConnection(receive, 16, "pbx"), _Transport()
    conn.connection_made(transport)  # type: ignore[arg-type]
    buffer = conn.get_buffer(-1)
    buffer[:5] = b"hello"
    conn.buffer_updated(5)
    assert seen == [b"hello"] and not conn.done.done()
    buffer[:3] = b"bad"
    conn.buffer_updated(3)
    assert transport.aborted and conn.done.done()
    with pytest.raises(ValueError, match="not AMI"):
        await conn.watch(60)


async def test_writers_wait_while_paused_and_fail_when_the_connection_is_lost() -> None:
    conn, transport = AmiConnection(lambda data: None, 16, "pbx"), _Transport()
    conn.connection_made(transport)  # type: ignore[arg-type]
    conn.write(b"Action: Ping\r\n\r\n")
    await conn.drain()  # not paused: returns at once
    conn.pause_writing()
    first = asyncio.create_task(conn.drain())
    second = asyncio.create_task(conn.drain())
    await asyncio.sleep(0)
    assert not first.done() and not second.done()
    conn.resume_writing()
    await asyncio.gather(first, second)
    conn.pause_writing()
    third = asyncio.create_task(conn.drain())
    await asyncio.sleep(0)
    conn.connection_lost(None)
    with pytest.raises(ConnectionResetError):
        await third
    with pytest.raises(ConnectionResetError):
        conn.write(b"Action: Ping\r\n\r\n")
    assert transport.written == [b"Action: Ping\r\n\r\n"]


async def test_peer_closing_and_silence_are_reported_with_the_name() -> None:
    conn = AmiConnection(lambda data: None, 16, "pbx")
    conn.connection_made(_Transport())  # type: ignore[arg-type]
    conn.eof_received()
    with pytest.raises(ConnectionResetError, match="AMI pbx: connection closed by the peer"):
        await conn.watch(60)
    quiet = AmiConnection(lambda data: None, 16, "pbx")
    quiet.connection_made(_Transport())  # type: ignore[arg-type]
    with pytest.raises(NotConnected, match="AMI pbx: nothing received for 0.05 s"):
        await quiet.watch(0.05)
