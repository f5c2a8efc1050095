"""Browser sessions: the session cookie, CSRF tokens, the login throttle, security headers.

- The session cookie (deps.SESSION_COOKIE) holds a token from auth.issue_token, so the API and the
  websockets accept it too; it is HttpOnly, SameSite=Lax, Secure on https, and expires with the token.
- CSRF: the token is an HMAC of the session token (per session, nothing stored). Page forms send it
  as the `csrf_token` field; page scripts send it as the `X-CSRF-Token` header. Any cookie-
  authenticated POST/PUT/PATCH/DELETE under /api/ without a valid header is refused here; requests
  with a bearer token are exempt (a browser never adds one by itself). Before login, the login form
  uses a double-submit cookie.
- Login: `authenticate` for the form and POST /api/v1/auth/token alike; the throttle and the
  password pool are in agent_console.throttle (shared by every process).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders

from common.context import AppContext
from agent_console.deps import SESSION_COOKIE
from agent_console.errors import error_body
from agent_console.throttle import LoginThrottle, LoginThrottled, password_pool, throttle
from cti.hub import session_key
from storage.queries import users as user_q

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PRELOGIN_COOKIE = "helpline_prelogin"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_EXEMPT = frozenset({"/api/v1/auth/token"})  # does not act on the cookie's session
MAX_USERNAME = 64
MAX_PASSWORD = 256
log = logging.getLogger("helpline.auth")


def client_ip(request: Request) -> str:
    """The client's address: the socket's peer (app.py has already applied trusted proxies' headers)."""
    return request.client.host if request.client else "unknown"


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_for(secret: str, session_token: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_valid(secret: str, session_token: str | None, given: str | None) -> bool:
    if not session_token or not given:
        return False
    return given.isascii() and hmac.compare_digest(csrf_for(secret, session_token).encode(), given.encode())


def new_prelogin_token() -> str:
    return secrets.token_urlsafe(24)


def set_session_cookie(response: Response, request: Request, token: str, max_age_s: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age_s, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def install(app: FastAPI) -> None:
    """CSRF check for cookie-authenticated API writes, and security headers on pages."""
    app.add_middleware(SessionGuard)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class SessionGuard:
    """Pure ASGI middleware (it was FastAPI's `@app.middleware("http")`, whose task group and
    memory streams cost every request — Meta's webhooks above all — ~1 ms of CPU): refuses a
    cookie-authenticated API write without a valid X-CSRF-Token, and adds the security headers
    to the response as it starts. Websockets pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        if (request.method in UNSAFE and path.startswith("/api/") and path not in CSRF_EXEMPT
                and not request.headers.get("authorization", "").lower().startswith("bearer ")):
            cookie = request.cookies.get(SESSION_COOKIE)
            ctx: AppContext = scope["app"].state.ctx
            if cookie and not csrf_valid(ctx.settings.secret_key, cookie, request.headers.get(CSRF_HEADER)):
                refusal = JSONResponse(error_body(
                    "csrf_failed", "this request came with the session cookie but without a valid "
                    "X-CSRF-Token header; reload the page and try again"), status_code=403)
                await refusal(scope, receive, self._headed(send, path))
                return
        await self.app(scope, receive, self._headed(send, path))

    @staticmethod
    def _headed(send: Callable[[Message], Awaitable[None]], path: str) -> Callable[[Message], Awaitable[None]]:
        page = not path.startswith(("/docs", "/redoc"))

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if page and headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", _CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "same-origin")
                    headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        return headed


class BadCredentials(Exception):
    """Wrong username or password, or a disabled account (the message does not say which)."""


async def authenticate(ctx: AppContext, session: Any, username: str, password: str, ip: str) -> Any:
    """The active user with these credentials; counts failures (LoginThrottled when over a limit).

    The API and the login form both call this with the username stripped and the password
    exactly as typed (spaces are part of a password). The password is checked off the event
    loop (throttle.PasswordPool); the log names a failed login's user only if the account
    exists, so a password typed into the username field never reaches the log. A refusal by the
    throttle is answered after `tarpit_s` (a sprayer waiting for answers slows down with it).
    """
    guard = throttle(ctx)
    try:
        return await _authenticate(ctx, guard, session, username, password, ip)
    except LoginThrottled:
        await asyncio.sleep(guard.limits.tarpit_s)
        raise


async def _authenticate(ctx: AppContext, guard: LoginThrottle, session: Any, username: str, password: str,
                        ip: str) -> Any:
    await guard.check(username, ip)
    if not username or len(username) > MAX_USERNAME or not password or len(password) > MAX_PASSWORD:
        await guard.failed(username, ip, known_user=False)
        log.warning("failed login from %s: empty or over-long username or password", ip)
        raise BadCredentials()
    await guard.admit()
    user = await user_q.by_username(session, username)
    pool = password_pool(ctx)
    # an unknown username costs the same scrypt as a known one: timing does not tell which exist
    stored = user.password_hash if user is not None else await pool.dummy_hash()
    if not await pool.verify(password, stored) or user is None or not user.active:
        await guard.failed(username, ip, known_user=user is not None)
        log.warning("failed login for %s from %s", f"user {user.username!r}" if user else "an unknown username", ip)
        raise BadCredentials()
    await guard.succeeded(username, ip)
    return user


async def sign_out_everywhere(session: Any, user_id: int) -> None:
    """Logout: the user's cookie and every token issued before stop working (then announce it)."""
    await user_q.bump_token_version(session, user_id)


def announce_signed_out(ctx: AppContext, user_id: int) -> None:
    """Tell every process that the user's sessions ended: their open websockets close (4003)."""
    hub = ctx.services.get("hub")
    if hub is not None:
        hub.publish(session_key(user_id), {"type": "session.ended"})
