"""The agents' WhatsApp API: the queue, take, history, reply, register, close (agent, supervisor, admin)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.schemas import MAX_DB_ID, SIGNED_IN, DistrictCode, RowId, Strict, errors
from grievance import service
from messaging.chat import agents
from messaging.chat.publish import changed

router = APIRouter(prefix="/api/v1/whatsapp", tags=["whatsapp"], responses=errors(400, *SIGNED_IN, 404, 409, 429))
STAFF = ("agent", "supervisor", "admin")


class ReplyIn(Strict):
    text: str = Field(min_length=1, max_length=agents.MAX_REPLY)


class ChatComplaintIn(Strict):
    name: str = Field(min_length=1, max_length=150)
    district: DistrictCode
    department: str = Field(min_length=1, max_length=16)
    category: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1, max_length=service.MAX_DESCRIPTION)


def _wake(ctx: AppContext) -> None:
    delivery = ctx.services.get("delivery")
    if delivery is not None:
        delivery.wake()


@router.get("/conversations")
async def conversations(ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                        user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Conversations waiting for an agent (oldest first) and the ones you hold."""
    return {"conversations": await agents.queue(session, user.id, ctx.tz)}


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: RowId, after: int = Query(default=0, ge=0, le=MAX_DB_ID), ctx: AppContext = Depends(get_ctx),
                       session: AsyncSession = Depends(get_session, scope="function"),
                       user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """The conversation, its messages after `after`, and the citizen's history on that number."""
    return await agents.detail(session, conversation_id, ctx.tz, service.utcnow(), after)


@router.post("/conversations/{conversation_id}/take")
async def take(conversation_id: RowId, ctx: AppContext = Depends(get_ctx),
               session: AsyncSession = Depends(get_session, scope="function"),
               user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Take a queued conversation: one agent at a time (409 when another has it)."""
    taken = await agents.take(session, conversation_id, user.id, user.username, service.utcnow())
    await session.commit()
    changed(ctx, conversation_id, taken.state)
    return agents.conversation_json(taken, ctx.tz)


@router.post("/conversations/{conversation_id}/reply", status_code=202)
async def reply(conversation_id: RowId, body: ReplyIn, ctx: AppContext = Depends(get_ctx),
                session: AsyncSession = Depends(get_session, scope="function"),
                user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Send the citizen a message (you must hold the conversation)."""
    queued = await agents.reply(session, conversation_id, user.id, user.username, body.text, service.utcnow())
    await session.commit()
    _wake(ctx)
    return {"queued": queued}


@router.post("/conversations/{conversation_id}/complaints", status_code=201)
async def register(conversation_id: RowId, body: ChatComplaintIn, ctx: AppContext = Depends(get_ctx),
                   session: AsyncSession = Depends(get_session, scope="function"),
                   user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Register a complaint for the conversation's number (channel whatsapp), its media attached;
    the number is sent to the citizen in the chat."""
    data = service.NewComplaint(phone="", name=body.name, district=body.district, department=body.department,
                                category=body.category, description=body.description)
    created = await agents.register(session, conversation_id, user.id, data, user.who, ctx.policy, ctx.tz,
                                    service.utcnow())
    await session.commit()
    _wake(ctx)
    return created


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: RowId, ctx: AppContext = Depends(get_ctx),
                session: AsyncSession = Depends(get_session, scope="function"),
                user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    closed = await agents.close(session, conversation_id, user.id, user.username, service.utcnow())
    await session.commit()
    _wake(ctx)
    changed(ctx, conversation_id, closed.state)
    return agents.conversation_json(closed, ctx.tz)
