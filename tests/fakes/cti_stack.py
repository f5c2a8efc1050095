"""A whole CTI stack over real sockets for tests and benchmarks.

The fake AMI server, `run_cti` (AMI pool, hub, CtiService) and the real FastAPI app served by
uvicorn (`ws="websockets-sansio"`) on a free loopback port; browsers are played by the
`websockets` client library.

    async with CtiStack(db_url, ami) as stack:
        ws = await stack.agent_socket("agent1")       # a user with extension, logged in by token
        ...
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from agent_console.app import create_app
from agent_console.auth import issue_token
from common.context import AppContext
from config.settings import Settings
from cti.run import run_cti
from cti.service import CtiService
from helpline.users import create_user
from storage.db import Database
from storage.queries import users as user_q
from tests.fakes.ami_server import FakeAmiServer

PASSWORD = "correct-horse-1"
REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
FAST_POOL = {"reconnect_backoff": (0.05, 0.2), "ping_interval": 5.0, "action_timeout": 3.0}


def settings_for(database_url: str, ami: FakeAmiServer | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "secret_key": "test-secret",
                              "ami_urls": ami.url if ami is not None else "", "redis_url": ""}
    values.update(overrides)
    return Settings(**values)


class CtiStack:
    """Runs run_cti and uvicorn for one AppContext; `port` is the web port once started."""

    def __init__(self, database_url: str, ami: FakeAmiServer | None, *, db: Database | None = None,
                 redis_url: str = "", redis_channel: str | None = None,
                 more_amis: tuple[FakeAmiServer, ...] = (), **service_options: Any) -> None:
        self.settings = settings_for(database_url, ami, redis_url=redis_url)
        if more_amis:  # several Asterisk pods
            self.settings = settings_for(database_url, ami, redis_url=redis_url,
                                         ami_urls=",".join(a.url for a in (ami, *more_amis) if a is not None))
        self.own_db = db is None
        self.db = db or Database(database_url)
        self.ctx = AppContext.build(self.settings, self.db)
        self.ami = ami
        self.service_options = {"flush_interval": 0.05, "wallboard_interval": 0.2, **service_options}
        self.hub_options = {"channel": redis_channel} if redis_channel else {}
        self.stop = asyncio.Event()
        self.port = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._server: uvicorn.Server | None = None

    @property
    def cti(self) -> CtiService:
        return self.ctx.services["cti"]

    async def __aenter__(self) -> CtiStack:
        self._tasks.append(asyncio.create_task(
            run_cti(self.ctx, self.stop, pool_options=FAST_POOL, hub_options=self.hub_options,
                    **self.service_options)))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.ctx), ws="websockets-sansio", log_level="warning",
                                lifespan="off", access_log=False, ws_ping_interval=None)
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._tasks.append(asyncio.create_task(self._server.serve(sockets=[sock])))
        async with asyncio.timeout(30):
            while "cti" not in self.ctx.services or not self._server.started:
                await asyncio.sleep(0.01)
            if self.ami is not None:
                while self.cti.resyncs < len(self.cti.servers):
                    await asyncio.sleep(0.01)
            await self.ctx.services["hub"].wait_ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        if self._server is not None:
            self._server.should_exit = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.own_db:
            await self.db.dispose()

    # -- users and sockets ---------------------------------------------------------------

    async def user(self, username: str, role: str = "agent", extension: str | None = None,
                   languages: str = "hi,en") -> str:
        """Create the user if needed; returns a bearer token for it."""
        async with self.db.session_scope() as session:
            user = await user_q.by_username(session, username)
            if user is None:
                user = await create_user(session, username, role, PASSWORD, extension=extension,
                                         languages=languages)
        return issue_token(self.settings.secret_key, user.id, user.username, user.role, 3600)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def socket(self, path: str, token: str | None) -> ClientConnection:
        query = f"?token={token}" if token else ""
        return await connect(f"ws://127.0.0.1:{self.port}{path}{query}", max_queue=None,
                             ping_interval=None, open_timeout=30)


async def receive_json(ws: ClientConnection, timeout: float = 15.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv())


async def receive_until(ws: ClientConnection, kind: str, timeout: float = 15.0) -> dict[str, Any]:
    """Skip messages until one of type `kind` arrives."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == kind:
                return message


async def collect_until(ws: ClientConnection, kind: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Every message up to and including the first of type `kind` (a guard, not a measure: on a
    loaded machine the messages of one call may be spread over seconds)."""
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not out or out[-1].get("type") != kind:
            out.append(json.loads(await ws.recv()))
    return out


async def drain(ws: ClientConnection, quiet: float = 0.2) -> list[dict[str, Any]]:
    """Every message until none arrives for `quiet` seconds."""
    out = []
    while True:
        try:
            async with asyncio.timeout(quiet):
                out.append(json.loads(await ws.recv()))
        except TimeoutError:
            return out


def caller_context(messages: list[dict[str, Any]], call_id: str) -> dict[str, Any]:
    """The caller context the desk shows for a call: carried by its first pop, or by the
    `call.context` that follows a pop sent before the lookup was done (`"context": "pending"`)."""
    for message in messages:
        if message.get("call", {}).get("id") != call_id:
            continue
        if message["type"] == "call.context" or (message["type"].startswith("call.") and "citizens" in message):
            return {key: message[key] for key in ("citizens", "complaints", "callbacks")}
    raise AssertionError(f"no caller context for call {call_id} in {[m['type'] for m in messages]}")
