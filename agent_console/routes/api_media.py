"""The desk softphone's configuration for the signed-in agent, and the administrator's per-agent
media settings (softphone auto-answer, sign-language video skill)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console import desk_admin, softphone
from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.schemas import SIGNED_IN, Strict, UsernamePath, errors
from storage.queries import users as user_q

router = APIRouter(prefix="/api/v1", tags=["softphone"], responses=errors(400, *SIGNED_IN))


class SoftphoneOut(BaseModel):
    enabled: bool
    ws_url: str | None
    uri: str | None
    authorization_user: str | None
    password: str | None
    display_name: str
    auto_answer: bool


class MediaIn(Strict):
    sign_language: bool | None = None
    auto_answer: bool | None = None


class MediaOut(BaseModel):
    username: str
    sign_language: bool
    auto_answer: bool


@router.get("/softphone", response_model=SoftphoneOut)
async def softphone_config(response: Response, ctx: AppContext = Depends(get_ctx),
                           session: AsyncSession = Depends(get_session, scope="function"),
                           user: CurrentUser = Depends(require("agent", "supervisor", "admin"))) -> dict[str, Any]:
    """Where the desk's softphone registers and with which credentials (the caller's own endpoint);
    `enabled` is false without HELPLINE_SOFTPHONE_WS_URL or without an extension."""
    response.headers["Cache-Control"] = "no-store"
    row = await user_q.by_id(session, user.id)
    return softphone.config(ctx.settings, extension=user.extension, display_name=user.username,
                            auto_answer=bool(row and row.auto_answer))


@router.put("/admin/users/{username}/media", response_model=MediaOut, responses=errors(404))
async def put_media(username: UsernamePath, body: MediaIn, session: AsyncSession = Depends(get_session, scope="function"),
                    _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """A user's sign-language video skill (also joins `helpline-video` at queue login) and whether
    the desk softphone answers queue calls by itself."""
    row = await desk_admin.set_media(session, username, body.sign_language, body.auto_answer)
    return {"username": row.username, "sign_language": row.sign_language, "auto_answer": row.auto_answer}
