"""Websockets: `/ws/agent` (the agent's own screen pops) and `/ws/supervisor` (wallboard).

Authentication by `?token=` or the session cookie. Close codes as wazo-websocketd uses them:
4001 no token, 4002 authentication failed (bad token, disabled user, wrong role, no
extension), 4003 token expired (at connect or while connected), 4004 protocol error (a client
message that is not `{"type": "ping"}`). 1013 when the CTI hub is not running yet.
The server speaks first: a snapshot (agent: state, then the current call if any;
supervisor: the wallboard), then live messages. Clients may send `{"type":"ping"}` and get
`{"type":"pong"}`.
"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit
import logging
import time

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from agent_console.auth import TokenError, read_token
from agent_console.context import AppContext
from agent_console.deps import SESSION_COOKIE, CurrentUser, load_user
from agent_console.errors import ApiError
from cti.hub import SUPERVISORS, Hub, Subscriber, agent_key

log = logging.getLogger(__name__)
router = APIRouter()

NO_TOKEN, AUTH_FAILED, EXPIRED, PROTOCOL_ERROR, TRY_AGAIN = 4001, 4002, 4003, 4004, 1013
MAX_CLIENT_MESSAGE = 4096
SUPERVISOR_ROLES = ("supervisor", "admin")


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _cross_site(websocket: WebSocket) -> bool:
    """A browser page of another site trying to ride on the session cookie."""
    origin = websocket.headers.get("origin")
    if not origin:
        return False  # not a browser (scripts, other services): they send a token, not a cookie
    return urlsplit(origin).netloc.lower() != websocket.headers.get("host", "").lower()


async def _authenticate(ctx: AppContext, websocket: WebSocket) -> tuple[CurrentUser, float]:
    from_query = websocket.query_params.get("token")
    token = from_query or websocket.cookies.get(SESSION_COOKIE)
    if not token:
        raise _Close(NO_TOKEN, "no token")
    if not from_query and _cross_site(websocket):
        raise _Close(AUTH_FAILED, "cross-site websocket refused")
    try:
        claims = read_token(ctx.settings.secret_key, token)
    except TokenError as exc:
        raise _Close(EXPIRED if "expired" in str(exc) else AUTH_FAILED, str(exc)) from exc
    try:
        user = await load_user(ctx, token)
    except ApiError as exc:
        raise _Close(AUTH_FAILED, str(exc.detail)) from exc
    return user, float(claims.expires)


async def _run(websocket: WebSocket, sub: Subscriber, expires: float, first: list[str]) -> None:
    """Send the snapshot, then pump the subscriber; the first task to end ends the session."""
    for text in first:
        await websocket.send_text(text)

    async def sender() -> None:
        while True:
            await websocket.send_text(await sub.next())

    async def receiver() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None or len(text) > MAX_CLIENT_MESSAGE:
                raise _Close(PROTOCOL_ERROR, "send JSON text messages only")
            try:
                data = json.loads(text)
            except ValueError:
                raise _Close(PROTOCOL_ERROR, "invalid JSON") from None
            if not isinstance(data, dict) or data.get("type") != "ping":
                raise _Close(PROTOCOL_ERROR, 'the only client message is {"type":"ping"}')
            sub.push('{"type":"pong"}')

    async def expiry() -> None:
        await asyncio.sleep(max(0.0, expires - time.time()))
        raise _Close(EXPIRED, "token expired")

    tasks = [asyncio.create_task(t()) for t in (sender, receiver, expiry)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        exc = task.exception()
        if exc is not None:
            raise exc


async def _serve(websocket: WebSocket, supervisor: bool) -> None:
    ctx: AppContext = websocket.app.state.ctx
    await websocket.accept()
    sub: Subscriber | None = None
    hub: Hub | None = None
    try:
        user, expires = await _authenticate(ctx, websocket)
        hub = ctx.services.get("hub")
        if hub is None:
            raise _Close(TRY_AGAIN, "the CTI service is not running")
        cti = ctx.services.get("cti")
        if supervisor:
            if user.role not in SUPERVISOR_ROLES:
                raise _Close(AUTH_FAILED, "the wallboard is for supervisors and admins")
            sub = hub.subscribe(SUPERVISORS)
            first = [json.dumps(await cti.wallboard(), ensure_ascii=False)] if cti is not None else []
        else:
            if user.role == "officer" or not user.extension:
                raise _Close(AUTH_FAILED, "agent pops need a user with an extension")
            sub = hub.subscribe(agent_key(user.extension))
            snapshot = await cti.agent_snapshot(user.extension) if cti is not None else []
            first = [json.dumps(m, ensure_ascii=False) for m in snapshot]
        await _run(websocket, sub, expires, first)
    except _Close as close:
        log.info("websocket %s closed: %s (%s)", websocket.url.path, close.code, close.reason)
        if websocket.client_state == WebSocketState.CONNECTED:
            await websocket.close(close.code, close.reason[:120])
    except (WebSocketDisconnect, OSError):
        pass  # the browser went away
    finally:
        if sub is not None and hub is not None:
            hub.unsubscribe(sub)


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    await _serve(websocket, supervisor=False)


@router.websocket("/ws/supervisor")
async def supervisor_socket(websocket: WebSocket) -> None:
    await _serve(websocket, supervisor=True)
