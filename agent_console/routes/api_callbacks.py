"""Callbacks (DESIGN §9, second round): the list agents call back, taken one at a time."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.responses import CallbackList, CallbackOut
from agent_console.schemas import SIGNED_IN, RowId, Strict, errors
from cti import callbacks

router = APIRouter(prefix="/api/v1", tags=["callbacks"], responses=errors(400, *SIGNED_IN, 404, 409))
STAFF = ("agent", "supervisor", "admin")


class ResultIn(Strict):
    outcome: Literal["reached", "no_answer", "busy", "failed"]
    note: str = Field(default="", max_length=500)
    call_id: str | None = Field(default=None, max_length=64)


def _who(user: CurrentUser) -> str:
    return user.extension or user.username


@router.get("/callbacks", response_model=CallbackList)
async def list_callbacks(state: Literal["open", "failed", "done"] = Query(default="open"),
                         ctx: AppContext = Depends(get_ctx),
                         session: AsyncSession = Depends(get_session, scope="function"),
                         _user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Open callback requests (IVR press-1 and abandoned calls, one per number) in join-time order,
    each with the caller's citizens and complaints; `state=failed`: the ones that failed 3 times."""
    return {"callbacks": await callbacks.listing(session, ctx.tz, state)}


@router.post("/callbacks/{request_id}/take", response_model=CallbackOut)
async def take(request_id: RowId, ctx: AppContext = Depends(get_ctx),
               session: AsyncSession = Depends(get_session, scope="function"),
               user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Hold the request while you call (10 minutes); 409 `callback_taken` when another agent holds it."""
    return await callbacks.take(session, request_id, _who(user), ctx.tz)


@router.post("/callbacks/{request_id}/result", response_model=CallbackOut)
async def result(request_id: RowId, body: ResultIn, ctx: AppContext = Depends(get_ctx),
                 session: AsyncSession = Depends(get_session, scope="function"),
                 user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Record the outcome of your call: `reached` closes it; the third failure closes it as failed."""
    return await callbacks.record(session, request_id, _who(user), body.outcome, body.note, body.call_id, ctx.tz)
