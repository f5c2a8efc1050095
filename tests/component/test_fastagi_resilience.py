"""Bad peers, silent peers and shutdown: the FastAGI server logs, stays healthy, never spins."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from ivr.fastagi import AgiChannel, AgiTimeout, FastAgiServer, ProtocolError, Route
from tests.fakes.agi_peer import FakeAgiPeer, wait_until

ENV = b"agi_network: yes\nagi_network_script: ok\nagi_uniqueid: 1.1\n\n"


async def ok_route(channel: AgiChannel) -> None:
    await channel.set_variable("HELPLINE_OK", "1")


@asynccontextmanager
async def running(routes: dict[str, Route] | None = None, **options: Any) -> AsyncIterator[
        tuple[FastAgiServer, FakeAgiPeer]]:
    async with FastAgiServer(routes or {"ok": ok_route}, "127.0.0.1", 0, **options) as server:
        async with FakeAgiPeer("127.0.0.1", server.port, timeout=5) as peer:
            yield server, peer
        await wait_until(lambda: server.active == 0)


async def assert_idle_and_healthy(server: FastAgiServer, peer: FakeAgiPeer) -> None:
    """No session left, no CPU burnt while idle, and a normal call still works."""
    await wait_until(lambda: server.active == 0)
    cpu = time.process_time()
    await asyncio.sleep(0.3)
    assert time.process_time() - cpu < 0.1
    call = await peer.call("ok")
    assert call.variables == {"HELPLINE_OK": "1"}


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def test_peer_closing_before_environment(caplog: pytest.LogCaptureFixture) -> None:
    async with running() as (server, peer):
        assert await peer.raw(b"") == b""
        assert await peer.raw(b"agi_network: yes\nagi_netw") == b""
        await assert_idle_and_healthy(server, peer)
    assert server.rejected == 2 and server.sessions == 1
    assert sum("closed before the environment" in m for m in warnings(caplog)) == 2


@pytest.mark.parametrize(("garbage", "reason"), [
    (b"GET / HTTP/1.1\r\nHost: helpline\r\n\r\n", "not an agi_* environment line"),
    (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(256)) + b"\n",
     "not an agi_* environment line"),
    (b"\n\n", "empty environment"),
    (b"agi_network: yes\n" * 300 + b"\n", "environment too large"),
])
async def test_garbage_is_rejected(garbage: bytes, reason: str,
                                   caplog: pytest.LogCaptureFixture) -> None:
    async with running() as (server, peer):
        assert await peer.raw(garbage) == b""
        await assert_idle_and_healthy(server, peer)
    assert (server.rejected, server.sessions, server.errors) == (1, 1, 0)
    assert any(reason in m for m in warnings(caplog))


async def test_endless_line_is_cut_off(caplog: pytest.LogCaptureFixture) -> None:
    async with running() as (server, peer):
        started = time.perf_counter()
        assert await peer.raw(b"agi_network: " + b"x" * 2_000_000, half_close=False) == b""
        assert time.perf_counter() - started < 2
        await assert_idle_and_healthy(server, peer)
    assert server.rejected == 1
    assert any("longer than 8192 bytes" in m for m in warnings(caplog))


async def test_slow_environment_times_out(caplog: pytest.LogCaptureFixture) -> None:
    async with running(env_timeout=0.3) as (server, peer):
        started = time.perf_counter()
        await peer.raw(b"agi_network: yes\n", half_close=False)
        assert 0.25 < time.perf_counter() - started < 2
        await peer.raw(b"agi_network: yes\n", half_close=False, chunk_delay=0.05)
        await assert_idle_and_healthy(server, peer)
    assert server.rejected == 2
    assert sum("no environment in time" in m for m in warnings(caplog)) == 2


async def test_silent_peer_times_out_the_command(caplog: pytest.LogCaptureFixture) -> None:
    async def route(channel: AgiChannel) -> None:
        await channel.get_variable("CHANNEL(language)")

    async with running({"s": route, "ok": ok_route}, read_timeout=0.2) as (server, peer):
        started = time.perf_counter()
        call = await peer.call("s", handler=lambda line: [])  # never answers
        assert time.perf_counter() - started < 2
        await assert_idle_and_healthy(server, peer)
    assert call.commands == ["GET VARIABLE CHANNEL(language)"]  # no failover on a dead link
    assert server.errors == 1
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.exc_info is not None and isinstance(record.exc_info[1], AgiTimeout)


async def test_get_data_timeout_includes_its_own_digit_timeout() -> None:
    took: dict[str, float] = {}

    async def route(channel: AgiChannel) -> None:
        started = time.perf_counter()
        try:
            await channel.get_data("beep", 300, 4)
        except AgiTimeout:
            took["get_data"] = time.perf_counter() - started

    async with running({"s": route}, read_timeout=0.1) as (_, peer):
        await peer.call("s", handler=lambda line: [])
    assert 0.35 < took["get_data"] < 10  # the 300 ms timeout held it; the upper bound only guards


async def test_flood_of_unsolicited_replies_fails_the_session() -> None:
    errors: list[Exception] = []

    async def route(channel: AgiChannel) -> None:
        await channel.set_variable("A", "1")
        try:
            await channel.set_variable("B", "2")
        except ProtocolError as exc:
            errors.append(exc)
            raise

    flood = ["200 result=1"] + ["200 result=0"] * 5000
    async with running({"s": route, "ok": ok_route}) as (server, peer):
        call = await peer.call("s", replies=[flood])
        await assert_idle_and_healthy(server, peer)
    assert errors and call.commands == ["SET VARIABLE A 1"]
    assert server.errors == 1


async def test_close_cancels_a_stuck_session() -> None:
    entered = asyncio.Event()

    async def stuck(channel: AgiChannel) -> None:
        entered.set()
        await asyncio.Event().wait()

    server = FastAgiServer({"stuck": stuck}, "127.0.0.1", 0)
    await server.start()
    peer = FakeAgiPeer("127.0.0.1", server.port, timeout=5)
    call = asyncio.create_task(peer.call("stuck"))
    await entered.wait()
    started = time.perf_counter()
    await server.close(grace=0.1)
    assert time.perf_counter() - started < 1
    assert (await call).closed_by == "server"
    assert server.active == 0


async def test_serve_forever_until_cancelled() -> None:
    server = FastAgiServer({"ok": ok_route}, "127.0.0.1", 0)
    task = asyncio.create_task(server.serve_forever())
    await wait_until(lambda: server.port != 0)
    port = server.port
    call = await FakeAgiPeer("127.0.0.1", port).call("ok")
    assert call.variables == {"HELPLINE_OK": "1"}
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
