"""An Asterisk whose clock is far from this host's: its live calls are not swept as lost."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.fakes.ami_server import FakeAmiServer, capture
from tests.fakes.cti_stack import CtiStack, receive_json, receive_until
from tests.fakes.stamps import capture_window

DAY = 86_400.0


@pytest.fixture(params=[-12 * DAY, 3 * DAY], ids=["asterisk-12-days-behind", "asterisk-3-days-ahead"])
async def skewed_ami(request: pytest.FixtureRequest) -> AsyncIterator[FakeAmiServer]:
    skew = request.param
    async with FakeAmiServer(auth_fail_delay=0.05, clock=lambda: time.time() + skew) as server:
        yield server


async def test_a_skewed_asterisk_keeps_its_waiting_call(sqlite_url: str, skewed_ami: FakeAmiServer) -> None:
    events = [m for m in capture("inbound-abandoned") if m.event is not None
              and m.event not in ("FullyBooted", "SuccessfulAuth")]
    cut = next(i for i, m in enumerate(events) if m.event == "QueueCallerJoin") + 1
    # A sweep age of 15 minutes: far below the clocks' difference, so the call would be ended
    # as lost at once if the CTI compared Asterisk's stamps with its own clock.
    async with CtiStack(sqlite_url, skewed_ami, call_max_age=900.0) as stack:
        ws = await stack.socket("/ws/supervisor", await stack.user("sup", role="supervisor"))
        await receive_json(ws)
        for msg in events[:cut]:
            skewed_ami.emit(msg)

        async def waiting():  # type: ignore[no-untyped-def]
            while True:
                board = await receive_until(ws, "wallboard")
                if board["calls_waiting"]:
                    return board
        board = await asyncio.wait_for(waiting(), 15)
        # The wait is measured in Asterisk's clock: the fake stamps the capture's end "now", so
        # the caller joined (end of capture - join) seconds ago, not days ago or in the future.
        _, last = capture_window()
        joined = float(events[cut - 1].get("Timestamp"))
        assert abs(board["longest_wait_s"] - (last - joined)) <= 30
        (server,) = stack.cti.servers.values()
        assert server.clock.measured
        # The sweep the ticker runs finds nothing stale, and the call is still waiting.
        assert server.calls.expire(server.clock.now(), stack.cti.call_max_age) == []
        board = await stack.cti.wallboard()
        assert board["calls_waiting"] == 1
        assert [r.id for r in server.calls.waiting()] == [board["waiting"][0]["id"]]
        await ws.close()
