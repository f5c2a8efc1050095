"""The agents' side of WhatsApp: the queue, taking a conversation (one agent at a time, atomic
across processes), the citizen's history (the same context a call pop carries), replies,
registering a complaint from the chat, closing. The caller owns the transaction."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from cti import screen_pop as sp
from grievance import service
from grievance.errors import Conflict, Forbidden, InvalidInput, NotFound
from messaging.chat.texts import say
from messaging.chat.intake import write_replies
from messaging.outbox import Reply
from storage.models import ChatConversation, ChatMessage
from storage.queries import calls as call_q
from storage.queries import chat as chat_q

WINDOW = timedelta(hours=24)
MAX_REPLY = 4000


def iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def conversation_json(c: ChatConversation, tz: ZoneInfo) -> dict[str, Any]:
    return {"id": c.id, "phone": c.phone, "name": c.profile_name, "state": c.state, "language": c.language,
            "agent": c.agent_name, "queued_at": iso(c.queued_at, tz), "taken_at": iso(c.taken_at, tz),
            "last_inbound_at": iso(c.last_inbound_at, tz), "closed_at": iso(c.closed_at, tz)}


def message_json(m: ChatMessage, tz: ZoneInfo) -> dict[str, Any]:
    return {"id": m.id, "direction": m.direction, "kind": m.kind, "text": m.text, "author": m.author,
            "media": m.media, "at": iso(m.at, tz)}


async def queue(session: AsyncSession, user_id: int, tz: ZoneInfo) -> list[dict[str, Any]]:
    return [conversation_json(c, tz) for c in await chat_q.queue(session, user_id)]


async def _get(session: AsyncSession, conversation_id: int, *, for_update: bool = False) -> ChatConversation:
    conversation = await chat_q.conversation(session, conversation_id, for_update=for_update)
    if conversation is None:
        raise NotFound(f"no WhatsApp conversation {conversation_id}", conversation=conversation_id)
    return conversation


async def _held(session: AsyncSession, conversation_id: int, user_id: int) -> ChatConversation:
    conversation = await _get(session, conversation_id, for_update=True)
    if conversation.state != "agent" or conversation.agent_user_id != user_id:
        raise Forbidden("take this conversation first: another agent has it, or it is not with an agent",
                        conversation=conversation_id, state=conversation.state)
    return conversation


async def take(session: AsyncSession, conversation_id: int, user_id: int, username: str, now: datetime) -> ChatConversation:
    if not await chat_q.take(session, conversation_id, user_id, username, now):
        conversation = await _get(session, conversation_id)
        if conversation.state == "agent" and conversation.agent_user_id == user_id:
            return conversation
        raise Conflict("this conversation is already taken or closed", conversation=conversation_id,
                       state=conversation.state, agent=conversation.agent_name)
    return await _get(session, conversation_id)


async def detail(session: AsyncSession, conversation_id: int, tz: ZoneInfo, now: datetime,
                 after_id: int = 0) -> dict[str, Any]:
    """The conversation, its messages (after `after_id`), the media it holds, and the caller
    context of its number (citizens, complaints, callbacks: what a call pop shows)."""
    conversation = await _get(session, conversation_id)
    citizens, complaints, callbacks = await call_q.caller_context(session, conversation.phone)
    media = await chat_q.media_for_conversation(session, conversation_id)
    return {"conversation": conversation_json(conversation, tz),
            "messages": [message_json(m, tz) for m in await chat_q.messages(session, conversation_id, after_id)],
            "media": [{"id": m.id, "kind": m.kind, "state": m.state, "complaint_id": m.complaint_id} for m in media],
            **sp.context_json(citizens, complaints, callbacks, tz, now)}


async def reply(session: AsyncSession, conversation_id: int, user_id: int, username: str, text: str,
                now: datetime) -> int:
    text = text.strip()
    if not text:
        raise InvalidInput("the reply is empty", field="text")
    if len(text) > MAX_REPLY:
        raise InvalidInput(f"the reply is longer than {MAX_REPLY} characters", field="text")
    conversation = await _held(session, conversation_id, user_id)
    if now - conversation.last_inbound_at >= WINDOW:
        raise Conflict("the citizen last wrote more than 24 hours ago: WhatsApp allows no free reply now",
                       conversation=conversation_id)
    count = await chat_q.messages(session, conversation_id)
    key = f"agent:{conversation_id}:{len(count)}:{int(now.timestamp() * 1000)}"
    return await write_replies(session, conversation, [Reply(text)], key, username, now)


async def close(session: AsyncSession, conversation_id: int, user_id: int, username: str, now: datetime,
                reason: str = "agent") -> ChatConversation:
    conversation = await _held(session, conversation_id, user_id)
    await write_replies(session, conversation, [Reply(say(conversation.language, "closed_by_agent"))],
                        f"close:{conversation_id}", username, now)
    conversation.state, conversation.closed_at, conversation.close_reason = "closed", now, reason
    return conversation


async def register(session: AsyncSession, conversation_id: int, user_id: int, data: service.NewComplaint,
                   who: service.Who, policy: service.Policy, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """Register a complaint for the conversation's number (channel whatsapp); the media the
    citizen sent in this conversation are kept on it; the number is sent in the chat."""
    conversation = await _held(session, conversation_id, user_id)
    data = service.NewComplaint(phone=conversation.phone, name=data.name, district=data.district,
                                department=data.department, category=data.category, description=data.description,
                                language=conversation.language, channel="whatsapp")
    complaint = await service.register(session, data, who, policy, now)
    attached = await chat_q.attach_media(session, conversation_id, complaint.id, now)
    due = complaint.due_at.astimezone(tz).strftime("%d-%m-%Y") if complaint.due_at else ""
    await write_replies(session, conversation, [Reply(say(conversation.language, "registered",
                                                          number=complaint.number, due=due))],
                        f"agent-reg:{complaint.number}", who.name, now)
    return {"number": complaint.number, "state": complaint.state, "due_at": iso(complaint.due_at, tz),
            "media_attached": attached}


async def close_idle(session: AsyncSession, now: datetime) -> int:
    """Close conversations in which the citizen has not written for 24 h (WhatsApp's window)."""
    closed = 0
    for conversation in await chat_q.idle_open(session, now - WINDOW):
        conversation.state, conversation.closed_at, conversation.close_reason = "closed", now, "idle"
        closed += 1
    return closed
