"""Request dependencies: the app context, a database session, the authenticated user."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import TokenError, read_token
from common.context import AppContext
from agent_console.errors import ApiError
from grievance.lifecycle import Actor
from grievance.service import Who

SESSION_COOKIE = "helpline_session"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str
    officer_code: str | None = None
    extension: str | None = None
    district_code: str | None = None  # a collector's district
    ui_language: str | None = None  # the pages' language the user chose (read with the user, once a request)

    @property
    def who(self) -> Who:
        kind = Actor.COLLECTOR if self.role in ("collector", "state_nodal") else Actor(self.role)
        return Who(kind, self.username, self.officer_code)


def get_ctx(request: Request) -> AppContext:
    return request.app.state.ctx


async def get_session(ctx: AppContext = Depends(get_ctx)) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    async with ctx.db.session_scope() as session:
        yield session


def token_from_request(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


async def load_user(ctx: AppContext, token: str | None) -> CurrentUser:
    """The active user a token names, or ApiError 401."""
    from storage.queries import users as user_q

    if not token:
        raise ApiError(401, "unauthorized", "authentication required", {"WWW-Authenticate": "Bearer"})
    try:
        claims = read_token(ctx.settings.secret_key, token)
    except TokenError as exc:
        raise ApiError(401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"}) from exc
    async with ctx.db.sessions() as session:
        user = await user_q.by_id(session, claims.user_id)
    if user is None or not user.active or user.role != claims.role:
        raise ApiError(401, "unauthorized", "this account is disabled or has changed", {"WWW-Authenticate": "Bearer"})
    if user.token_version != claims.version:
        raise ApiError(401, "unauthorized", "signed out: log in again", {"WWW-Authenticate": "Bearer"})
    return CurrentUser(user.id, user.username, user.role, user.officer_code, user.extension, user.district_code,
                       user.ui_language)


async def current_user(request: Request, ctx: AppContext = Depends(get_ctx)) -> CurrentUser:
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    user = await load_user(ctx, token_from_request(request))
    request.state.user = user
    return user


def require(*roles: str) -> Callable[..., object]:
    """A dependency admitting only the given roles (403 with a clear message otherwise)."""

    async def _check(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if user.role not in roles:
            raise ApiError(403, "forbidden", f"this needs the role {' or '.join(roles)}; you are {user.role}")
        return user

    return _check
