"""WhatsApp conversations, their messages and media; messaging contacts (language, consent)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatConversation, ChatMedia, ChatMessage, MessageContact
from storage.queries.dialects import insert, is_pg

OPEN_STATES = ("bot", "queued", "agent")



# --- contacts ---------------------------------------------------------------------------------

async def contact(session: AsyncSession, phone: str, *, for_update: bool = False) -> MessageContact | None:
    stmt = select(MessageContact).where(MessageContact.phone == phone)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def contacts(session: AsyncSession, phones: Sequence[str], *, for_update: bool = False) -> dict[str, MessageContact]:
    """The contacts of these numbers that exist (locked in number order with `for_update`)."""
    if not phones:
        return {}
    stmt = select(MessageContact).where(MessageContact.phone.in_(sorted(set(phones))))
    if for_update:
        stmt = stmt.order_by(MessageContact.phone).with_for_update()
    return {c.phone: c for c in await session.scalars(stmt)}


async def touch_contact(session: AsyncSession, phone: str, now: datetime) -> MessageContact:
    """The contact of a number that just wrote to us (created on first contact), in one statement
    that also locks its row for this transaction."""
    stmt = (insert(session, MessageContact)
            .values(phone=phone, whatsapp=True, stopped=False, updated_at=now, last_inbound_at=now)
            .on_conflict_do_update(index_elements=["phone"],
                                   set_={"whatsapp": True, "last_inbound_at": now, "updated_at": now})
            .returning(MessageContact).execution_options(populate_existing=True))
    return (await session.scalars(stmt)).one()


# --- conversations ----------------------------------------------------------------------------

async def open_conversation(session: AsyncSession, phone: str) -> ChatConversation | None:
    """The number's open conversation, locked for this transaction (two webhooks for one number
    are handled one after the other)."""
    stmt = (select(ChatConversation).where(ChatConversation.phone == phone,
                                           ChatConversation.state.in_(OPEN_STATES))
            .order_by(ChatConversation.id.desc()).limit(1).with_for_update())
    return (await session.scalars(stmt)).first()


async def open_conversations(session: AsyncSession, phones: Sequence[str]) -> dict[str, ChatConversation]:
    """`open_conversation` for several numbers in one statement: each number's latest open
    conversation, all locked for this transaction."""
    unique = sorted(set(phones))
    if not unique:
        return {}
    stmt = (select(ChatConversation).where(ChatConversation.phone.in_(unique),
                                           ChatConversation.state.in_(OPEN_STATES))
            .order_by(ChatConversation.phone, ChatConversation.id).with_for_update())
    return {c.phone: c for c in (await session.scalars(stmt)).all()}  # the last (newest) per number wins


async def add_conversation(session: AsyncSession, conversation: ChatConversation) -> ChatConversation:
    session.add(conversation)
    await session.flush()
    return conversation


async def conversation(session: AsyncSession, conversation_id: int, *, for_update: bool = False) -> ChatConversation | None:
    stmt = select(ChatConversation).where(ChatConversation.id == conversation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def queue(session: AsyncSession, agent_user_id: int, limit: int = 200) -> Sequence[ChatConversation]:
    """Conversations waiting for an agent (oldest first) and those this agent holds."""
    stmt = (select(ChatConversation)
            .where((ChatConversation.state == "queued")
                   | and_(ChatConversation.state == "agent", ChatConversation.agent_user_id == agent_user_id))
            .order_by(ChatConversation.state.desc(), ChatConversation.queued_at, ChatConversation.id).limit(limit))
    return (await session.scalars(stmt)).all()


async def take(session: AsyncSession, conversation_id: int, user_id: int, username: str, now: datetime) -> bool:
    """Give a queued conversation to one agent: a single conditional UPDATE, so of two agents
    (in any processes) exactly one wins."""
    stmt = (update(ChatConversation)
            .where(ChatConversation.id == conversation_id, ChatConversation.state == "queued")
            .values(state="agent", agent_user_id=user_id, agent_name=username, taken_at=now)
            .execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def idle_open(session: AsyncSession, before: datetime, limit: int = 500) -> Sequence[ChatConversation]:
    stmt = (select(ChatConversation)
            .where(ChatConversation.state.in_(OPEN_STATES), ChatConversation.last_inbound_at < before)
            .order_by(ChatConversation.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.scalars(stmt)).all()


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = (await session.execute(select(ChatConversation.state, func.count())
                                  .where(ChatConversation.state.in_(OPEN_STATES))
                                  .group_by(ChatConversation.state))).all()
    return {state: n for state, n in rows}


async def oldest_queued(session: AsyncSession) -> datetime | None:
    return await session.scalar(select(func.min(ChatConversation.queued_at)).where(ChatConversation.state == "queued"))


# --- messages ---------------------------------------------------------------------------------

async def add_inbound(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Store an inbound message unless its WhatsApp id was seen (Meta retries): new id or None."""
    stmt = (insert(session, ChatMessage).values(direction="in", **values)
            .on_conflict_do_nothing(index_elements=["wa_id"]).returning(ChatMessage.id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def seen_wa_ids(session: AsyncSession, wa_ids: Sequence[str]) -> set[str]:
    """Which of these WhatsApp message ids are stored already (a retried webhook)."""
    if not wa_ids:
        return set()
    rows = await session.scalars(select(ChatMessage.wa_id).where(ChatMessage.wa_id.in_(set(wa_ids))))
    return set(rows)


async def add_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Transcript lines in one executemany, ids in the order given. Every row has the same keys:
    conversation_id, direction, wa_id, kind, text, media, author, outbound_id, at. An inbound id
    stored meanwhile (by another process) raises IntegrityError: the caller's transaction is void."""
    if rows:
        await session.execute(ChatMessage.__table__.insert(), list(rows))


async def add_message(session: AsyncSession, message: ChatMessage) -> ChatMessage:
    session.add(message)
    await session.flush()
    return message


async def messages(session: AsyncSession, conversation_id: int, after_id: int = 0, limit: int = 500) -> Sequence[ChatMessage]:
    stmt = (select(ChatMessage).where(ChatMessage.conversation_id == conversation_id, ChatMessage.id > after_id)
            .order_by(ChatMessage.id).limit(limit))
    return (await session.scalars(stmt)).all()


async def recent_for_phone(session: AsyncSession, phone: str, limit: int = 100) -> Sequence[ChatMessage]:
    """The number's latest messages across its conversations (oldest first)."""
    stmt = (select(ChatMessage).join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
            .where(ChatConversation.phone == phone).order_by(ChatMessage.id.desc()).limit(limit))
    return list(reversed((await session.scalars(stmt)).all()))


# --- media ------------------------------------------------------------------------------------

async def add_media(session: AsyncSession, media: ChatMedia) -> None:
    await session.execute(insert(session, ChatMedia).values(
        conversation_id=media.conversation_id, complaint_id=media.complaint_id, media_id=media.media_id,
        kind=media.kind, mime=media.mime, state=media.state, attempts=0, received_at=media.received_at,
        next_attempt_at=media.next_attempt_at,
    ).on_conflict_do_nothing(index_elements=["media_id"]))


async def attach_media(session: AsyncSession, conversation_id: int, complaint_id: int, now: datetime) -> int:
    """The conversation's waiting media now belong to its new complaint: due for fetching."""
    stmt = (update(ChatMedia)
            .where(ChatMedia.conversation_id == conversation_id, ChatMedia.state == "waiting")
            .values(complaint_id=complaint_id, state="due", next_attempt_at=now)
            .execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount or 0


async def claim_media(session: AsyncSession, now: datetime, retry_at: datetime, limit: int = 10) -> Sequence[ChatMedia]:
    """Due media, pushed to `retry_at` as they are taken (a lease: a crashed fetcher's are retried)."""
    due = (select(ChatMedia.id).where(ChatMedia.state == "due", ChatMedia.next_attempt_at <= now)
           .order_by(ChatMedia.id).limit(limit))
    if is_pg(session):
        ids = list((await session.scalars(due.with_for_update(skip_locked=True))).all())
        if not ids:
            return []
        chosen = ChatMedia.id.in_(ids)
    else:
        chosen = ChatMedia.id.in_(due.scalar_subquery())
    stmt = (update(ChatMedia).where(chosen, ChatMedia.state == "due", ChatMedia.next_attempt_at <= now)
            .values(next_attempt_at=retry_at, attempts=ChatMedia.attempts + 1)
            .returning(ChatMedia).execution_options(synchronize_session=False))
    return (await session.scalars(stmt)).all()


async def media_of(session: AsyncSession, media_id: int) -> ChatMedia | None:
    return await session.get(ChatMedia, media_id)


async def media_for_conversation(session: AsyncSession, conversation_id: int) -> Sequence[ChatMedia]:
    return (await session.scalars(select(ChatMedia).where(ChatMedia.conversation_id == conversation_id)
                                  .order_by(ChatMedia.id))).all()
