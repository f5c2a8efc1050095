"""Browser sessions: the session cookie, CSRF tokens, the login throttle, security headers.

- The session cookie (deps.SESSION_COOKIE) holds a token from auth.issue_token, so the API and the
  websockets accept it too; it is HttpOnly, SameSite=Lax, Secure on https, and expires with the token.
- CSRF: the token is an HMAC of the session token (per session, nothing stored). Page forms send it
  as the `csrf_token` field; page scripts send it as the `X-CSRF-Token` header. Any cookie-
  authenticated POST/PUT/PATCH/DELETE under /api/ without a valid header is refused here; requests
  with a bearer token are exempt (a browser never adds one by itself). Before login, the login form
  uses a double-submit cookie.
- Login throttle: 5 failures per username+IP within 5 minutes → 429 until the window passes
  (per process; it guards the form and POST /api/v1/auth/token alike).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from agent_console.auth import hash_password, verify_password
from agent_console.context import AppContext
from agent_console.deps import SESSION_COOKIE
from agent_console.errors import error_body
from storage.queries import users as user_q

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PRELOGIN_COOKIE = "helpline_prelogin"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_EXEMPT = frozenset({"/api/v1/auth/token"})  # does not act on the cookie's session
MAX_FAILURES = 5
WINDOW_S = 300.0
_MAX_KEYS = 100_000
log = logging.getLogger("helpline.auth")


class LoginThrottled(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class LoginThrottle:
    """Failed logins per (username, ip) in a sliding window."""

    max_failures: int = MAX_FAILURES
    window_s: float = WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def check(self, username: str, ip: str) -> None:
        """Raise LoginThrottled while the key has used up its failures."""
        recent = self._recent((username.lower(), ip))
        if len(recent) >= self.max_failures:
            raise LoginThrottled(max(1, int(recent[0] + self.window_s - self.clock()) + 1))

    def failed(self, username: str, ip: str) -> None:
        key = (username.lower(), ip)
        if key not in self._failures and len(self._failures) >= _MAX_KEYS:
            self._sweep()
        self._failures.setdefault(key, deque(maxlen=self.max_failures)).append(self.clock())

    def succeeded(self, username: str, ip: str) -> None:
        self._failures.pop((username.lower(), ip), None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        entries = self._failures.get(key)
        if entries is None:
            return deque()
        horizon = self.clock() - self.window_s
        while entries and entries[0] < horizon:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return entries

    def _sweep(self) -> None:
        for key in list(self._failures):
            self._recent(key)


def throttle(ctx: AppContext) -> LoginThrottle:
    """The app's login throttle (kept in ctx.services, created on first use)."""
    found = ctx.services.get("login_throttle")
    if found is None:
        found = ctx.services["login_throttle"] = LoginThrottle()
    return found


def client_ip(request: Request) -> str:
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

    @app.middleware("http")
    async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if (request.method in UNSAFE and request.url.path.startswith("/api/")
                and request.url.path not in CSRF_EXEMPT
                and not request.headers.get("authorization", "").lower().startswith("bearer ")):
            cookie = request.cookies.get(SESSION_COOKIE)
            ctx: AppContext = request.app.state.ctx
            if cookie and not csrf_valid(ctx.settings.secret_key, cookie, request.headers.get(CSRF_HEADER)):
                return JSONResponse(error_body(
                    "csrf_failed", "this request came with the session cookie but without a valid "
                    "X-CSRF-Token header; reload the page and try again"), status_code=403)
        response = await call_next(request)
        if (response.headers.get("content-type", "").startswith("text/html")
                and not request.url.path.startswith(("/docs", "/redoc"))):
            response.headers.setdefault("Content-Security-Policy", _CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


class BadCredentials(Exception):
    """Wrong username or password, or a disabled account (the message does not say which)."""


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


async def authenticate(ctx: AppContext, session: Any, username: str, password: str, ip: str) -> Any:
    """The active user with these credentials; counts failures (LoginThrottled when over the limit)."""
    guard = throttle(ctx)
    guard.check(username, ip)
    user = await user_q.by_username(session, username)
    # an unknown username costs the same scrypt as a known one: timing does not tell which exist
    stored = user.password_hash if user is not None else _dummy_hash()
    if not verify_password(password, stored) or user is None or not user.active:
        guard.failed(username, ip)
        log.warning("failed login for %r", username)
        raise BadCredentials(username)
    guard.succeeded(username, ip)
    return user


async def sign_out_everywhere(session: Any, user_id: int) -> None:
    """Logout: the user's cookie and every token issued before stop working."""
    await user_q.bump_token_version(session, user_id)
