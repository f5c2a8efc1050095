"""POST /api/v1/auth/token: username + password → bearer token."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import issue_token, verify_password
from agent_console.context import AppContext
from agent_console.deps import get_ctx, get_session
from agent_console.errors import ApiError
from agent_console.schemas import TokenRequest
from storage.queries import users as user_q

router = APIRouter(prefix="/api/v1", tags=["auth"])
log = logging.getLogger("helpline.auth")


@router.post("/auth/token")
async def token(body: TokenRequest, ctx: AppContext = Depends(get_ctx),
                session: AsyncSession = Depends(get_session)) -> dict[str, str]:
    user = await user_q.by_username(session, body.username)
    if user is None or not user.active or not verify_password(body.password, user.password_hash):
        log.warning("failed login for %r", body.username)
        raise ApiError(401, "bad_credentials", "wrong username or password")
    ttl = ctx.settings.session_hours * 3600
    return {"access_token": issue_token(ctx.settings.secret_key, user.id, user.username, user.role, ttl),
            "token_type": "bearer", "role": user.role}
