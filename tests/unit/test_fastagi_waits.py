"""What FastAGI connections wait on: the shared Deadlines and the ReadMux."""
from __future__ import annotations

import asyncio
import select
import socket

import pytest

from ivr.fastagi.deadlines import RESOLUTION, Deadlines
from ivr.fastagi.readers import ReadMux


# -- Deadlines ---------------------------------------------------------------------------------

async def test_a_deadline_fires_once_not_before_it_is_due_and_a_disarmed_one_never() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    fired: dict[str, float] = {}
    start = loop.time()
    when = start + 0.12
    slot, at = deadlines.arm("a", when, lambda: fired.setdefault("a", loop.time()))
    assert when <= at < when + RESOLUTION + 1e-9
    other_slot, _ = deadlines.arm("b", when + 0.001, lambda: fired.setdefault("b", loop.time()))
    gone, _ = deadlines.arm("c", when, lambda: fired.setdefault("c", loop.time()))
    deadlines.disarm("c", gone)
    assert len(deadlines) == 2
    await asyncio.sleep(0.12 + 2 * RESOLUTION + 0.05)
    assert set(fired) == {"a", "b"}
    assert fired["a"] >= when and fired["b"] >= when + 0.001
    assert len(deadlines) == 0


def test_a_slot_never_fires_before_its_deadline_whatever_the_float() -> None:
    loop = asyncio.new_event_loop()
    try:
        deadlines = Deadlines(loop)
        for i in range(20000):
            when = i * 0.0137 + 0.05 * (i % 7)
            slot, at = deadlines.arm(i, when, lambda: None)
            assert when <= at < when + RESOLUTION + 1e-9
            deadlines.disarm(i, slot)
    finally:
        loop.close()


async def test_a_failing_deadline_callback_is_reported_and_the_others_still_run() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    deadlines = Deadlines(loop)
    fired: list[str] = []
    when = loop.time() + 0.01
    deadlines.arm("bad", when, lambda: 1 / 0)
    deadlines.arm("good", when, lambda: fired.append("good"))
    await asyncio.sleep(0.01 + 2 * RESOLUTION)
    assert fired == ["good"]
    assert isinstance(reported[0]["exception"], ZeroDivisionError)


# -- ReadMux -----------------------------------------------------------------------------------

@pytest.fixture(params=["epoll", "loop"])
def mux_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "loop":
        monkeypatch.delattr(select, "epoll")  # a platform without epoll: the loop's add_reader
    return str(request.param)


async def test_readable_sockets_call_their_callbacks_until_removed(mux_kind: str) -> None:
    loop = asyncio.get_running_loop()
    mux = ReadMux(loop)
    pairs = [socket.socketpair() for _ in range(3)]
    got: list[tuple[int, bytes]] = []
    ready = asyncio.Event()

    def reader(index: int, sock: socket.socket) -> None:
        got.append((index, sock.recv(100)))
        if len(got) == 2:
            ready.set()

    try:
        for index, (ours, _) in enumerate(pairs):
            ours.setblocking(False)
            mux.add(ours.fileno(), lambda i=index, s=ours: reader(i, s))  # type: ignore[misc]
        assert len(mux) == 3
        mux.remove(pairs[1][0].fileno())
        for _, theirs in pairs:
            theirs.send(b"x")
        await asyncio.wait_for(ready.wait(), 2)
        await asyncio.sleep(0.05)
        assert sorted(got) == [(0, b"x"), (2, b"x")]
    finally:
        mux.close()
        for a, b in pairs:
            a.close()
            b.close()
    assert len(mux) == 0
    with pytest.raises(RuntimeError):
        mux.add(pairs[0][0].fileno(), lambda: None)


async def test_a_read_callback_that_raises_is_reported_and_the_rest_still_run(
        mux_kind: str) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    mux = ReadMux(loop)
    bad, bad_peer = socket.socketpair()
    good, good_peer = socket.socketpair()
    done = asyncio.Event()

    def failing() -> None:
        bad.recv(100)
        raise ValueError("broken callback")

    def working() -> None:
        good.recv(100)
        done.set()

    try:
        mux.add(bad.fileno(), failing)
        mux.add(good.fileno(), working)
        bad_peer.send(b"x")
        good_peer.send(b"x")
        await asyncio.wait_for(done.wait(), 2)
        for _ in range(20):
            if reported:
                break
            await asyncio.sleep(0.01)
        assert any(isinstance(c.get("exception"), ValueError) for c in reported)
    finally:
        mux.close()
        for sock in (bad, bad_peer, good, good_peer):
            sock.close()
