"""An inbound WhatsApp message, from the webhook to the bot's replies in the outbox.

A message is taken in a transaction that stores it under its WhatsApp id (unique: a retried
webhook is taken once), updates the number's contact and open conversation, runs the bot and
writes its replies to the outbox; the webhook is answered once that transaction is committed.
Messages arriving together are taken together (group commit): one transaction for a batch, in
the order they came, with the contacts, conversations and seen ids looked up once per batch and
the outbox rows and transcript lines written in one statement each. If anything in a batch
fails, the batch is rolled back and each of its messages taken again on its own. A failure
inside the bot is logged, and the message is stored again in a fresh transaction with the
conversation handed to an agent, so nothing a citizen writes is lost.
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
from messaging.outbox import CHAT, Message, Reply, put, put_many
from messaging.whatsapp.webhook import Inbound
from storage.db import Database
from storage.models import ChatConversation, ChatMedia, ChatMessage, MessageContact
from storage.queries import chat as chat_q
from storage.queries.chat import OPEN_STATES

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
    """Takes inbound messages in arrival order, one batch (one transaction) at a time: a burst
    of webhooks waits here instead of taking every pooled connection (screen pops look callers
    up in the same pool; on SQLite there is one writer anyway), and is taken in few round trips."""

    def __init__(self, db: Database, policy: Policy, tz: ZoneInfo, clock: Callable[[], datetime],
                 batch: int = 20) -> None:
        self.db, self.policy, self.tz, self.clock = db, policy, tz, clock
        self.batch = batch
        self._waiting: list[tuple[Inbound, asyncio.Future[Received]]] = []
        self._drainer: asyncio.Future[None] | None = None

    async def receive(self, inbound: Inbound) -> Received:
        """Take one message; returns once it is committed (or raises what stopped it)."""
        done: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        self._waiting.append((inbound, done))
        if self._drainer is None or self._drainer.done():
            # its own task: a webhook request that goes away does not stop the others' batch
            self._drainer = asyncio.ensure_future(self._drain())
        return await asyncio.shield(done)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self.batch], self._waiting[self.batch:]
            inbounds = [inbound for inbound, _ in batch]
            try:
                outcomes: list[Received | BaseException] = list(await self._take_batch(inbounds))
            except Exception as exc:  # noqa: BLE001 - take them one by one: the failing one is dealt with alone
                if len(batch) > 1:
                    log.info("chat: a batch of %d messages failed (%s); taking them one by one", len(batch),
                             type(exc).__name__)
                outcomes = []
                for inbound in inbounds:
                    try:
                        outcomes.append(await self._take(inbound))
                    except Exception as exc:  # noqa: BLE001 - the webhook answers 500; Meta resends
                        outcomes.append(exc)
            for (_, done), outcome in zip(batch, outcomes):
                if done.done():
                    continue
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)

    async def _take_batch(self, inbounds: list[Inbound]) -> list[Received]:
        """Messages in one transaction, in order. Raises on any failure (nothing is kept).

        Reads first, writes at the end: the bot runs without autoflush, so on SQLite the batch
        holds the one write lock only for its last few statements, not while the bot thinks
        (call rows and the delivery worker write too). On PostgreSQL the numbers' contact and
        conversation rows are locked as they are read."""
        now = self.clock()
        async with self.db.session_scope() as session:
            seen = await chat_q.seen_wa_ids(session, [i.id for i in inbounds])
            fresh: list[Inbound] = []
            for inbound in inbounds:
                if inbound.id not in seen:
                    seen.add(inbound.id)
                    fresh.append(inbound)
            phones = [phone_of(i.sender) for i in fresh]
            contacts = await chat_q.contacts(session, phones, for_update=True)
            conversations = await chat_q.open_conversations(session, phones)
            taken: list[tuple[ChatConversation, Inbound, Received, list[str], list[Reply]]] = []
            outbox: list[Message] = []
            with session.no_autoflush:
                for inbound, phone in zip(fresh, phones):
                    await asyncio.sleep(0)  # a batch never holds the loop for long: screen pops go first
                    contact = contacts.get(phone)
                    if contact is None:
                        contact = contacts[phone] = MessageContact(phone=phone, whatsapp=True, stopped=False,
                                                                   updated_at=now, last_inbound_at=now)
                        session.add(contact)
                    contact.whatsapp, contact.last_inbound_at, contact.updated_at = True, now, now
                    conversation = conversations.get(phone)
                    if conversation is None or conversation.state not in OPEN_STATES:
                        conversation = conversations[phone] = ChatConversation(
                            phone=phone, profile_name=inbound.profile_name[:150], state="bot", step="start",
                            data={}, language=contact.language or "hi", opened_at=now, last_inbound_at=now)
                        session.add(conversation)
                    conversation.last_inbound_at = now
                    if inbound.profile_name:
                        conversation.profile_name = inbound.profile_name[:150]
                    before = conversation.state
                    chat = Chat(session, conversation, contact, self.policy, self.tz, now)
                    await engine.handle(chat, chat_input(inbound), STEPS)
                    if inbound.media_id and conversation.state != "bot":
                        if conversation.id is None:
                            await session.flush()
                        await chat_q.add_media(session, ChatMedia(
                            conversation_id=conversation.id, media_id=inbound.media_id, kind=inbound.media_kind,
                            mime=inbound.mime, state="waiting", received_at=now))
                    keys = [f"in:{inbound.id}:{index}"[:160] for index in range(len(chat.replies))]
                    outbox += [Message(key, "whatsapp", phone, "citizen", CHAT, conversation.language, reply.body())
                               for key, reply in zip(keys, chat.replies)]
                    events = ["chat.message"] if conversation.state != "bot" or before != "bot" else []
                    if chat.handed_over:
                        events.append("chat.queued")
                    received = Received(True, None, conversation.state, 0, conversation.agent_user_id, events)
                    taken.append((conversation, inbound, received, keys, chat.replies))
            await session.flush()  # new contacts and conversations (their ids), the changed ones
            added = await put_many(session, outbox, now)
            lines: list[dict[str, object]] = []
            for conversation, inbound, received, keys, replies in taken:
                received.conversation_id = conversation.id
                media = {"id": inbound.media_id, "kind": inbound.media_kind, "mime": inbound.mime} \
                    if inbound.media_id else None
                lines.append({"conversation_id": conversation.id, "direction": "in", "wa_id": inbound.id,
                              "kind": inbound.kind, "text": inbound.text[:4096], "media": media,
                              "author": "citizen", "outbound_id": None, "at": now})
                for key, reply in zip(keys, replies):
                    if key in added:
                        received.replies += 1
                        lines.append({"conversation_id": conversation.id, "direction": "out",
                                      "wa_id": None, "kind": "text", "text": reply.plain(), "media": None,
                                      "author": "bot", "outbound_id": added[key], "at": now})
            await chat_q.add_messages(session, lines)
        by_id = {inbound.id: received for _, inbound, received, _, _ in taken}
        return [by_id.pop(inbound.id, None) or Received(new=False) for inbound in inbounds]

    async def _take(self, inbound: Inbound) -> Received:
        """One message in its own transaction (after a failed batch)."""
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
