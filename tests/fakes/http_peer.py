"""A small real HTTP server for fakes of other systems (uvicorn on 127.0.0.1, a free port),
recording what it received and letting a test wait for it without sleeping."""
from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette


class HttpPeer:
    def __init__(self, sock: socket.socket | None = None) -> None:
        self._sock = sock
        self.received: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    def app(self) -> Starlette:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def record(self, item: dict[str, Any]) -> None:
        async with self._changed:
            self.received.append(item)
            self._changed.notify_all()

    async def wait_for(self, check: Callable[[list[dict[str, Any]]], bool], timeout: float = 20.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: check(self.received))
        return self.received

    async def __aenter__(self) -> "HttpPeer":
        sock = self._sock or bound_socket()
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off", access_log=False,
                                timeout_keep_alive=120)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task


def bound_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port (pass it to another process to serve on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock
