"""The FastAGI server's own socket handling: accept, partial writes, resets, shutdown."""
from __future__ import annotations

import asyncio
import socket
import struct
import time

import pytest

from ivr.fastagi import AgiChannel, FastAgiServer, connection
from tests.fakes.agi_peer import wait_until

ENV = b"agi_network: yes\nagi_network_script: s\nagi_uniqueid: 1.1\n\n"
BIG = "x" * (16 * 1024 * 1024)  # more than the socket buffers below take at once


def small_buffer_peer(port: int) -> socket.socket:
    """A connected socket whose receive buffer stays small (no autotuning up to 32 MiB)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.connect(("127.0.0.1", port))
    return sock


async def test_close_lets_a_connection_still_sending_its_environment_finish() -> None:
    async def route(channel: AgiChannel) -> None:
        await channel.set_variable("HELPLINE_OK", "1")

    server = FastAgiServer({"s": route}, "127.0.0.1", 0)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(ENV[:20])
    await wait_until(lambda: server.connections == 1)
    closing = asyncio.create_task(server.close(grace=5))
    await wait_until(lambda: server.active == 1)  # now a session task, inside the grace
    writer.write(ENV[20:])
    assert await reader.readline() == b"SET VARIABLE HELPLINE_OK 1\n"
    writer.write(b"200 result=1\n")
    assert await reader.read() == b""
    await closing
    assert (server.sessions, server.rejected, server.active) == (1, 0, 0)
    writer.close()


async def test_a_command_bigger_than_the_socket_buffers_arrives_whole() -> None:
    async def route(channel: AgiChannel) -> None:
        await channel.verbose(BIG)
        await channel.set_variable("HELPLINE_OK", "1")

    async with FastAgiServer({"s": route}, "127.0.0.1", 0) as server:
        reader, writer = await asyncio.open_connection(sock=small_buffer_peer(server.port),
                                                       limit=2 ** 25)
        writer.write(ENV)
        assert await reader.readline() == f"VERBOSE {BIG} 1\n".encode()
        writer.write(b"200 result=1\n")
        assert await reader.readline() == b"SET VARIABLE HELPLINE_OK 1\n"
        writer.write(b"200 result=1\n")
        assert await reader.read() == b""
        writer.close()
    assert (server.sessions, server.errors) == (1, 0)


async def test_a_peer_that_reads_nothing_is_cut_off_after_the_close_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "CLOSE_TIMEOUT", 0.0)  # cut off at once (default 5 s)

    async def route(channel: AgiChannel) -> None:
        await channel.verbose(BIG)  # never read, never answered: times out

    async with FastAgiServer({"s": route}, "127.0.0.1", 0, read_timeout=0.2) as server:
        with small_buffer_peer(server.port) as peer:
            peer.sendall(ENV)
            started = time.perf_counter()
            await wait_until(lambda: server.errors == 1)
            await wait_until(lambda: server.active == 0)
            peer.setblocking(False)
            loop = asyncio.get_running_loop()
            received = 0
            async with asyncio.timeout(5):
                while chunk := await loop.sock_recv(peer, 1 << 20):  # ends: the server let go
                    received += len(chunk)
            assert received < len(BIG)  # what was not sent yet was dropped
            assert time.perf_counter() - started < 5


async def test_a_reset_connection_is_a_hangup() -> None:
    entered = asyncio.Event()

    async def route(channel: AgiChannel) -> None:
        entered.set()
        await channel.get_variable("CHANNEL(language)")

    async with FastAgiServer({"s": route}, "127.0.0.1", 0) as server:
        peer = socket.create_connection(("127.0.0.1", server.port))
        peer.sendall(ENV)
        await entered.wait()
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()  # unread command + linger 0: a reset, not a FIN
        await wait_until(lambda: server.active == 0)
    assert (server.hangups, server.errors, server.sessions) == (1, 0, 0)
