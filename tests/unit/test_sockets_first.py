"""Websockets on the known paths skip the middleware stack; everything else goes through it."""
from __future__ import annotations

import asyncio
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from agent_console import ws
from agent_console.routes import ws_whatsapp
from agent_console.sockets_first import SocketsFirst


def _run(app: SocketsFirst, scope: dict[str, Any]) -> None:
    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: Any) -> None:
        return None

    asyncio.run(_await(app(scope, receive, send)))


async def _await(awaitable: Any) -> None:
    await awaitable


def test_socket_paths_go_straight_to_their_handler() -> None:
    seen: list[str] = []

    async def stack(scope: Any, receive: Any, send: Any) -> None:
        seen.append(f"stack {scope['type']} {scope['path']}")

    async def agent(websocket: WebSocket) -> None:
        seen.append(f"handler {websocket.url.path}")

    app = SocketsFirst(stack, {"/ws/agent": agent})
    base = {"headers": [], "query_string": b"", "server": ("h", 80), "scheme": "ws"}
    _run(app, {**base, "type": "websocket", "path": "/ws/agent"})
    _run(app, {**base, "type": "websocket", "path": "/ws/other"})
    _run(app, {**base, "type": "http", "path": "/ws/agent", "method": "GET", "scheme": "http"})
    _run(app, {**base, "type": "websocket", "path": "/ws/agent", "root_path": "/helpline"})
    assert seen == ["handler /ws/agent", "stack websocket /ws/other", "stack http /ws/agent",
                    "stack websocket /ws/agent"]


def test_every_direct_socket_is_also_a_route() -> None:
    """The shortcut and the router serve the same paths (the router is the way for anything else)."""
    routes = {r.path for router in (ws.router, ws_whatsapp.router) for r in router.routes
              if isinstance(r, WebSocketRoute) or type(r).__name__ == "APIWebSocketRoute"}
    assert set(ws.SOCKETS) | set(ws_whatsapp.SOCKETS) == routes == {"/ws/agent", "/ws/supervisor", "/ws/whatsapp"}
