"""What the integration tests share: the lab Asterisk they run against, and Helpline's own
pieces started the way `helpline serve` starts them.

The lab is the one of ../shared/asterisk-traces/README.md with the project's dialplans/
installed (see tests/integration/README.md). Every test module sets `pytestmark = REQUIRES`:
without HELPLINE_TEST_AMI_URL the tests are skipped with that reason; with it they run.

Environment (defaults match the lab):
- HELPLINE_TEST_AMI_URL        ami://lab:labsecret@127.0.0.1:5038 (required)
- HELPLINE_AGI_HOST / _PORT    where the tests' FastAGI server listens; the dialplan's
                               HELPLINE_AGI global must point there (127.0.0.1:4573)
- HELPLINE_TEST_QUEUE          helpline-hi
- HELPLINE_TEST_AGENT          agent1001 (an endpoint of the lab; need not be registered)
- HELPLINE_TEST_UNREGISTERED   agent1003 (an endpoint with no registered contact)
- HELPLINE_TEST_INBOUND        Local/1076@helpline-inbound (the inbound entry of the dialplan)
- HELPLINE_TEST_CALLER         919812345678 (the caller id the originated "citizen" shows)
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.settings import AmiServer, Settings
from cti.ami.client import AmiClient
from grievance.service import Policy
from ivr import scripts
from ivr.fastagi import AgiChannel, FastAgiServer
from ivr.flows.common import FlowDeps
from ivr.routes import build_routes
from storage.db import Database

AMI_URL = os.environ.get("HELPLINE_TEST_AMI_URL", "")
REASON = "set HELPLINE_TEST_AMI_URL to run against a real Asterisk"
REQUIRES = [pytest.mark.asterisk, pytest.mark.skipif(not AMI_URL, reason=REASON)]

QUEUE = os.environ.get("HELPLINE_TEST_QUEUE", "helpline-hi")
AGENT = os.environ.get("HELPLINE_TEST_AGENT", "agent1001")
UNREGISTERED = os.environ.get("HELPLINE_TEST_UNREGISTERED", "agent1003")
INBOUND = os.environ.get("HELPLINE_TEST_INBOUND", "Local/1076@helpline-inbound")
CALLER = os.environ.get("HELPLINE_TEST_CALLER", "919812345678")
TZ = ZoneInfo("Asia/Kolkata")
POLICY = Policy(timezone=TZ, feedback_delay=timedelta(minutes=60))
FAST_CLIENT: dict[str, Any] = {"reconnect_backoff": (0.2, 1.0), "ping_interval": 5.0, "action_timeout": 5.0,
                               "connect_timeout": 5.0}


def lab_server() -> AmiServer:
    return AmiServer(AMI_URL)


def settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for the lab: AGI host/port come from the environment like `helpline serve`."""
    values: dict[str, Any] = {"database_url": database_url, "secret_key": "integration-secret",
                              "ami_urls": AMI_URL, "redis_url": ""}
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def ami_client(secret: str | None = None, timeout: float = 10.0) -> AsyncIterator[AmiClient]:
    """A running AmiClient logged in to the lab (with `secret` instead of the URL's, if given)."""
    server = lab_server()
    client = AmiClient(server.host, server.port, server.username,
                       server.secret if secret is None else secret, **FAST_CLIENT)
    task = asyncio.create_task(client.run())
    try:
        if secret is None:
            await client.wait_connected(timeout)
        yield client
    finally:
        async with asyncio.timeout(timeout):
            await client.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def fastagi(db: Database, config: Settings,
                  seen: list[tuple[str, AgiChannel]] | None = None) -> AsyncIterator[FastAgiServer]:
    """Helpline's FastAGI server with the real flows at HELPLINE_AGI_HOST:PORT; every session
    is appended to `seen` as (script, channel) before its flow runs."""
    routes = build_routes(FlowDeps(db=db, policy=POLICY, tz=TZ))
    if seen is not None:
        for name, route in list(routes.items()):
            routes[name] = _recording(name, route, seen)
    server = FastAgiServer(routes, config.agi_host, config.agi_port, failure_context=scripts.FAILURE_CONTEXT)
    async with server:
        yield server


def _recording(name: str, route: Any, seen: list[tuple[str, AgiChannel]]) -> Any:
    async def run(channel: AgiChannel) -> None:
        seen.append((name, channel))
        await route(channel)
    return run


async def until(check: Any, timeout: float, what: str) -> Any:
    """Poll `check()` (sync) every 50 ms until it returns something true."""
    try:
        async with asyncio.timeout(timeout):
            while not (result := check()):
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"no {what} within {timeout} s") from None
    return result
