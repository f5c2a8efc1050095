"""POST /api/v1/auth/token: username + password → bearer token (failed logins are throttled)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import issue_token
from common.context import AppContext
from agent_console.deps import get_ctx, get_session
from agent_console.errors import ApiError
from agent_console.schemas import TokenOut, SIGNED_IN, TokenRequest, errors
from agent_console.sessions import BadCredentials, LoginThrottled, authenticate, client_ip

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=errors(400, 401, 413, 422, 429))


@router.post("/auth/token", response_model=TokenOut)
async def token(body: TokenRequest, request: Request, ctx: AppContext = Depends(get_ctx),
                session: AsyncSession = Depends(get_session, scope="function")) -> dict[str, str]:
    try:
        user = await authenticate(ctx, session, body.username, body.password, client_ip(request))
    except LoginThrottled as exc:
        raise ApiError(429, "too_many_attempts",
                       f"too many failed logins {exc.who}; try again in {exc.retry_after_s} seconds",
                       {"Retry-After": str(exc.retry_after_s)}) from exc
    except BadCredentials as exc:
        raise ApiError(401, "bad_credentials", "wrong username or password") from exc
    ttl = ctx.settings.session_hours * 3600
    return {"access_token": issue_token(ctx.settings.secret_key, user.id, user.username, user.role, ttl,
                                                user.token_version),
            "token_type": "bearer", "role": user.role}
