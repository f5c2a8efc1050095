"""An inbound WhatsApp message, from the webhook to the bot's replies in the outbox.

One transaction per message: the message is stored under its WhatsApp id (unique: a retried
webhook is taken once), the number's contact and open conversation are updated, the bot runs,
and its replies are written to the outbox. A failure inside the bot is logged, and the message
is stored again in a fresh transaction with the conversation handed to an agent, so nothing
a citizen writes is lost.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import InvalidInput
from grievance.phones import normalise_phone
from grievance.service import Policy
from common.privacy import mask_phone
from messaging.chat import engine, lookup, register
from messaging.chat.engine import Chat, ChatInput
from messaging.outbox import CHAT, Message, Reply, put
from messaging.whatsapp.webhook import Inbound
from storage.db import Database
from storage.models import ChatConversation, ChatMedia, ChatMessage
from storage.queries import chat as chat_q

log = logging.getLogger(__name__)
STEPS: dict[str, engine.Step] = {"language": engine.step_language, "menu": engine.step_menu,
                                 **register.STEPS, **lookup.STEPS}


class Duplicate(Exception):
    """This WhatsApp message id was taken before."""


def phone_of(sender: str) -> str:
    """WhatsApp's `919812345678` → `+919812345678`; other countries kept as `+<digits>`."""
    try:
        return normalise_phone(sender, from_pbx=True)
    except InvalidInput:
        return "+" + sender[:15]


def chat_input(inbound: Inbound) -> ChatInput:
    return ChatInput(kind=inbound.kind, text=inbound.text, reply_id=inbound.reply_id, media_id=inbound.media_id,
                     media_kind=inbound.media_kind, mime=inbound.mime, voice=inbound.voice)


async def write_replies(session: AsyncSession, conversation: ChatConversation, replies: list[Reply], key: str,
                        author: str, now: datetime) -> int:
    """The replies as outbox rows (`key:i`) and transcript lines; returns how many are new."""
    added = 0
    for index, reply in enumerate(replies):
        outbound_id = await put(session, Message(f"{key}:{index}", "whatsapp", conversation.phone, "citizen", CHAT,
                                                 conversation.language, reply.body()), now)
        if outbound_id is None:
            continue
        added += 1
        await chat_q.add_message(session, ChatMessage(
            conversation_id=conversation.id, direction="out", kind="text", text=reply.plain(), author=author,
            outbound_id=outbound_id, at=now))
    return added


@dataclass
class Received:
    new: bool
    conversation_id: int | None = None
    state: str = ""
    replies: int = 0
    agent_user_id: int | None = None
    events: list[str] = field(default_factory=list)


class ChatIntake:
    """Takes inbound messages, at most `concurrency` transactions at a time: a burst of webhooks
    queues here instead of taking every pooled connection (screen pops look callers up in the
    same pool; on SQLite there is one writer anyway)."""

    def __init__(self, db: Database, policy: Policy, tz: ZoneInfo, clock: Callable[[], datetime],
                 concurrency: int | None = None) -> None:
        self.db, self.policy, self.tz, self.clock = db, policy, tz, clock
        self._slots = asyncio.Semaphore(concurrency or (1 if db.is_sqlite else 4))

    async def receive(self, inbound: Inbound) -> Received:
        async with self._slots:
            return await self._take(inbound)

    async def _take(self, inbound: Inbound) -> Received:
        try:
            return await self._receive(inbound, fail_safe=False)
        except Duplicate:
            return Received(new=False)
        except Exception:  # noqa: BLE001 - the bot failed: keep the message, give it to a person
            log.exception("chat: message from %s failed in the bot; handing the chat to an agent",
                          mask_phone(inbound.sender))
            try:
                return await self._receive(inbound, fail_safe=True)
            except Duplicate:
                return Received(new=False)

    async def _receive(self, inbound: Inbound, *, fail_safe: bool) -> Received:
        now = self.clock()
        phone = phone_of(inbound.sender)
        async with self.db.session_scope() as session:
            contact = await chat_q.touch_contact(session, phone, now)
            conversation = await chat_q.open_conversation(session, phone)
            if conversation is None:
                conversation = await chat_q.add_conversation(session, ChatConversation(
                    phone=phone, profile_name=inbound.profile_name[:150], state="bot", step="start", data={},
                    language=contact.language or "hi", opened_at=now, last_inbound_at=now))
            conversation.last_inbound_at = now
            if inbound.profile_name:
                conversation.profile_name = inbound.profile_name[:150]
            media = {"id": inbound.media_id, "kind": inbound.media_kind, "mime": inbound.mime} if inbound.media_id else None
            stored = await chat_q.add_inbound(session, {
                "conversation_id": conversation.id, "wa_id": inbound.id, "kind": inbound.kind,
                "text": inbound.text[:4096], "media": media, "author": "citizen", "at": now})
            if stored is None:
                raise Duplicate(inbound.id)
            before = conversation.state
            chat = Chat(session, conversation, contact, self.policy, self.tz, now)
            if fail_safe:
                if conversation.state == "bot":
                    chat.hand_over("error")
            else:
                await engine.handle(chat, chat_input(inbound), STEPS)
            if inbound.media_id and conversation.state != "bot":
                await chat_q.add_media(session, ChatMedia(
                    conversation_id=conversation.id, media_id=inbound.media_id, kind=inbound.media_kind,
                    mime=inbound.mime, state="waiting", received_at=now))
            replies = await write_replies(session, conversation, chat.replies, f"in:{inbound.id}", "bot", now)
            events = ["chat.message"] if conversation.state != "bot" or before != "bot" else []
            if chat.handed_over:
                events.append("chat.queued")
            return Received(True, conversation.id, conversation.state, replies, conversation.agent_user_id, events)
