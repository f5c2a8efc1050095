"""Agent actions and the wallboard (DESIGN §9): thin routes over cti.agent_actions."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from common.context import AppContext
from agent_console.schemas import CallIdPath, SIGNED_IN, errors
from agent_console.deps import CurrentUser, get_ctx, require
from agent_console.responses import AgentMe, CallAction, Originated, QueueLogin, Wallboard
from cti.agent_actions import Actor, AgentActions, PbxUnavailable
from cti.call_control import CallControl

router = APIRouter(prefix="/api/v1", tags=["agents"], responses=errors(400, *SIGNED_IN, 404, 409, 502, 503, 504))
AGENTS = ("agent", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")


class LoginIn(BaseModel):
    extension: str | None = Field(default=None, max_length=32)


class PauseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=32)


class NumberIn(BaseModel):
    number: str = Field(min_length=1, max_length=32)


class TransferIn(BaseModel):
    extension: str = Field(min_length=1, max_length=32)


class SpyIn(BaseModel):
    mode: Literal["listen", "whisper", "barge"]


def _actions(ctx: AppContext) -> AgentActions:
    return AgentActions(ctx.services.get("cti"))


def _actor(user: CurrentUser) -> Actor:
    return Actor(user.id, user.username, user.role, user.extension)


@router.get("/agents/me", response_model=AgentMe)
async def me(ctx: AppContext = Depends(get_ctx), user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).me(_actor(user))


@router.post("/agents/me/login", response_model=QueueLogin)
async def login(body: LoginIn | None = None, ctx: AppContext = Depends(get_ctx),
                user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).login(_actor(user), body.extension if body else None)


@router.post("/agents/me/pause", response_model=QueueLogin)
async def pause(body: PauseIn, ctx: AppContext = Depends(get_ctx),
                user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).pause(_actor(user), body.reason)


@router.post("/agents/me/ready", response_model=QueueLogin)
async def ready(ctx: AppContext = Depends(get_ctx), user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).ready(_actor(user))


@router.post("/agents/me/logout", response_model=QueueLogin)
async def logout(ctx: AppContext = Depends(get_ctx), user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).logout(_actor(user))


@router.post("/calls/originate", status_code=202, response_model=Originated)
async def originate(body: NumberIn, ctx: AppContext = Depends(get_ctx),
                    user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).originate(_actor(user), body.number)


@router.post("/calls/{call_id}/hangup", response_model=CallAction)
async def hangup(call_id: CallIdPath, ctx: AppContext = Depends(get_ctx),
                 user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await _actions(ctx).hangup(_actor(user), call_id)


@router.post("/calls/{call_id}/transfer", response_model=CallAction)
async def transfer(call_id: CallIdPath, body: TransferIn, ctx: AppContext = Depends(get_ctx),
                   user: CurrentUser = Depends(require(*AGENTS))) -> dict[str, Any]:
    return await CallControl(ctx.services.get("cti")).transfer(_actor(user), call_id, body.extension)


@router.post("/calls/{call_id}/spy", response_model=CallAction)
async def spy(call_id: CallIdPath, body: SpyIn, ctx: AppContext = Depends(get_ctx),
              user: CurrentUser = Depends(require(*SUPERVISORS))) -> dict[str, Any]:
    return await _actions(ctx).spy(_actor(user), call_id, body.mode)


@router.get("/wallboard", response_model=Wallboard)
async def wallboard(ctx: AppContext = Depends(get_ctx),
                    user: CurrentUser = Depends(require(*SUPERVISORS))) -> dict[str, Any]:
    cti = ctx.services.get("cti")
    if cti is None:
        raise PbxUnavailable("the CTI service is not running")
    return await cti.wallboard()
