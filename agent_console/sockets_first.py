"""Websockets straight to their handler, before the middleware stack (issue 10).

Every ASGI layer a socket passes through stays on its stack for the socket's whole life: through
Starlette's error and exception middleware, our two HTTP middlewares (agent_console.edge,
agent_console.sessions: both pass websockets through untouched), the router and FastAPI's
websocket wrapper, ≈ 25 coroutines and closures per socket, walked by every full garbage
collection at 1,000–3,000 sockets, and every message sent went through two wrapping `send`s.
`SOCKETS` (path → handler taking the `WebSocket`) are served here, from the application's own
`__call__`: the handler does its own authentication (agent_console.ws), as it did behind the
stack. The same routes stay on the router (any other path, or a mounted sub-path, takes the
ordinary way)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from fastapi import FastAPI
from starlette.websockets import WebSocket

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Handler = Callable[[WebSocket], Awaitable[None]]


class SocketsFirst:
    """The outermost ASGI callable: a websocket on one of `sockets`' paths goes to its handler,
    anything else to `stack`. A plain function returning the handler's coroutine: no frame of
    its own stays alive with the socket."""

    __slots__ = ("stack", "sockets")

    def __init__(self, stack: ASGIApp, sockets: Mapping[str, Handler]) -> None:
        self.stack, self.sockets = stack, sockets

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket" and not scope.get("root_path"):
            handler = self.sockets.get(scope["path"])
            if handler is not None:
                return handler(WebSocket(scope, receive, send))
        return self.stack(scope, receive, send)


class SocketsFirstApp(FastAPI):
    """FastAPI whose middleware stack is wrapped in SocketsFirst (`sockets` set after creation)."""

    sockets: Mapping[str, Handler] = {}

    def build_middleware_stack(self) -> ASGIApp:
        return SocketsFirst(super().build_middleware_stack(), self.sockets)
