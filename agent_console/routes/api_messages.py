"""Supervisors' view of messaging: backlog and failures; retry a failed message."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.schemas import SIGNED_IN, RowId, errors
from grievance.service import utcnow
from messaging import backlog

router = APIRouter(prefix="/api/v1/messages", tags=["messaging"], responses=errors(400, *SIGNED_IN, 404))
SUPERVISORS = ("supervisor", "admin")


@router.get("/backlog")
async def get_backlog(ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                      user: CurrentUser = Depends(require(*SUPERVISORS))) -> dict[str, Any]:
    """Outbox counts by channel and state, the oldest waiting message, recent failures, chats waiting."""
    return await backlog.backlog(session, ctx.tz, utcnow())


@router.post("/{message_id}/retry", status_code=202)
async def retry(message_id: RowId, ctx: AppContext = Depends(get_ctx),
                session: AsyncSession = Depends(get_session, scope="function"),
                user: CurrentUser = Depends(require(*SUPERVISORS))) -> dict[str, Any]:
    """Send a failed message again (its attempts start over)."""
    await backlog.retry(session, message_id, utcnow())
    await session.commit()
    delivery = ctx.services.get("delivery")
    if delivery is not None:
        delivery.wake()
    return {"id": message_id, "state": "pending"}
