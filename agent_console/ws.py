"""Websockets: `/ws/agent` (the agent's own screen pops) and `/ws/supervisor` (wallboard).

Authentication by the session cookie, an `Authorization: Bearer` header, or `?token=` (kept
for scripts; the logs mask it). Close codes as wazo-websocketd uses them: 4001 no token, 4002
authentication failed (bad token, disabled user, wrong role, no extension), 4003 the session
ended: token expired, or the user logged out, changed password or was disabled (published on
the hub's `user:<id>` key, so through Redis whichever process holds the socket; every
SESSION_CHECK_S the token is also checked again against the database, in one query with the
other sockets' checks due then: agent_console.session_checks), 4004 protocol error (a
client message that is not `{"type": "ping"}`). 1013 when the CTI hub is not running yet.
The server speaks first: a snapshot (agent: state, then the current call if any;
supervisor: the wallboard), then live messages. Clients may send `{"type":"ping"}` and get
`{"type":"pong"}`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from functools import partial
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from agent_console.auth import TokenClaims, TokenError, read_token
from common.context import AppContext
from agent_console.deps import SESSION_COOKIE, CurrentUser, load_user
from agent_console.errors import ApiError
from agent_console.session_checks import Check, SessionChecks, session_checks
from cti.hub import SUPERVISORS, Hub, Subscriber, agent_key, session_key

log = logging.getLogger(__name__)
router = APIRouter()

NO_TOKEN, AUTH_FAILED, EXPIRED, PROTOCOL_ERROR, TRY_AGAIN = 4001, 4002, 4003, 4004, 1013
MAX_CLIENT_MESSAGE = 4096
SESSION_CHECK_S = 30.0
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


def _given_token(websocket: WebSocket) -> tuple[str | None, bool]:
    """(token, came from the cookie)."""
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    from_query = websocket.query_params.get("token")
    if from_query:
        return from_query, False
    return websocket.cookies.get(SESSION_COOKIE), True


async def _authenticate(ctx: AppContext, websocket: WebSocket) -> tuple[CurrentUser, TokenClaims]:
    token, from_cookie = _given_token(websocket)
    if not token:
        raise _Close(NO_TOKEN, "no token")
    if from_cookie and _cross_site(websocket):
        raise _Close(AUTH_FAILED, "cross-site websocket refused")
    try:
        claims = read_token(ctx.settings.secret_key, token)
    except TokenError as exc:
        raise _Close(EXPIRED if "expired" in str(exc) else AUTH_FAILED, str(exc)) from exc
    try:
        user = await load_user(ctx, token)
    except ApiError as exc:
        raise _Close(AUTH_FAILED, str(exc.detail)) from exc
    return user, claims


class _Session:
    """One open socket after its snapshot: the sender and the receiver (two tasks; the first to
    end ends the session) and two timers, the token's expiry and the next session check (done
    with other sockets' checks, agent_console.session_checks). The session ending (a message on
    `ended`, the token expiring, the check failing) closes `sub`, which ends the sender. Few
    objects per socket, no closures: every full garbage collection walks them all (issue 10,
    3,000 sockets)."""

    __slots__ = ("websocket", "sub", "ended", "checks", "check", "loop", "expiry", "next_check")

    def __init__(self, websocket: WebSocket, sub: Subscriber, ended: Subscriber, checks: SessionChecks,
                 claims: TokenClaims) -> None:
        self.websocket, self.sub, self.ended, self.checks = websocket, sub, ended, checks
        self.check = Check(claims.user_id, claims.role, claims.version, self.signed_out)
        self.loop = asyncio.get_running_loop()
        ended.on_push = self.signed_out
        self.expiry = self.loop.call_later(max(0.0, claims.expires - time.time()), self.expired)
        self.next_check = self.loop.call_later(self._check_in(), self.recheck)
        if len(ended):  # signed out while the snapshot was made
            self.signed_out()

    @staticmethod
    def _check_in() -> float:  # spread over time: 1,000 sockets make ~33 small lookups a second
        return SESSION_CHECK_S * random.uniform(0.75, 1.25)

    def signed_out(self, _: object = None) -> None:
        self.sub.close(_Close(EXPIRED, "signed out"))

    def expired(self) -> None:
        self.sub.close(_Close(EXPIRED, "token expired"))

    def recheck(self) -> None:
        self.checks.due(self.check)
        self.next_check = self.loop.call_later(self._check_in(), self.recheck)

    async def send(self) -> None:
        websocket, sub = self.websocket, self.sub
        while True:
            await websocket.send_text(await sub.next())

    async def receive(self) -> None:
        while True:
            message = await self.websocket.receive()
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
            self.sub.push('{"type":"pong"}')

    async def run(self) -> None:
        tasks = [self.loop.create_task(self.send()), self.loop.create_task(self.receive())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.expiry.cancel()
            self.next_check.cancel()
            self.ended.on_push = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if exc is not None:
                raise exc


async def _run(ctx: AppContext, websocket: WebSocket, sub: Subscriber, claims: TokenClaims, first: list[str],
               ended: Subscriber) -> None:
    """Send the snapshot (`first`, emptied: nothing of it stays alive with the socket), then
    pump the subscriber until the session ends (_Session)."""
    for text in first:
        await websocket.send_text(text)
    first.clear()
    await _Session(websocket, sub, ended, session_checks(ctx.services, ctx.db), claims).run()


async def _serve(websocket: WebSocket, supervisor: bool) -> None:
    ctx: AppContext = websocket.app.state.ctx
    await websocket.accept()
    sub: Subscriber | None = None
    ended: Subscriber | None = None
    hub: Hub | None = None
    try:
        user, claims = await _authenticate(ctx, websocket)
        hub = ctx.services.get("hub")
        if hub is None:
            raise _Close(TRY_AGAIN, "the CTI service is not running")
        ended = hub.subscribe(session_key(user.id))
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
            first = [json.dumps(m, ensure_ascii=False)
                     for m in (await cti.agent_snapshot(user.extension) if cti is not None else [])]
        await _run(ctx, websocket, sub, claims, first, ended)
    except _Close as close:
        log.info("websocket %s closed: %s (%s)", websocket.url.path, close.code, close.reason)
        if websocket.client_state == WebSocketState.CONNECTED:
            await websocket.close(close.code, close.reason[:120])
    except (WebSocketDisconnect, OSError):
        pass  # the browser went away
    finally:
        if hub is not None:
            for subscriber in (sub, ended):
                if subscriber is not None:
                    hub.unsubscribe(subscriber)


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    await _serve(websocket, supervisor=False)


@router.websocket("/ws/supervisor")
async def supervisor_socket(websocket: WebSocket) -> None:
    await _serve(websocket, supervisor=True)


# served before the middleware stack (agent_console.sockets_first); the routes above are the same
SOCKETS = {"/ws/agent": partial(_serve, supervisor=False), "/ws/supervisor": partial(_serve, supervisor=True)}
