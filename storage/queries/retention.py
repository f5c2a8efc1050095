"""Data-protection retention of call rows and WhatsApp transcripts (issue 13).

What is past its time is found through partial indexes on the rows not yet masked (`masked_at IS
NULL`), so a pass reads only what it will change, however many masked rows lie behind it. Rows are
locked with SKIP LOCKED: N `helpline serve` processes never mask the same row twice."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Call, ChatConversation, ChatMessage, OutboundMessage


async def calls_before(session: AsyncSession, cutoff: datetime, limit: int) -> Sequence[Call]:
    """Call rows started before `cutoff` whose numbers are still held in full, oldest first."""
    stmt = (select(Call).where(Call.masked_at.is_(None), Call.started_at < cutoff)
            .order_by(Call.started_at, Call.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.scalars(stmt)).all()


async def conversations_closed_before(session: AsyncSession, cutoff: datetime,
                                      limit: int) -> Sequence[ChatConversation]:
    """WhatsApp conversations closed before `cutoff` and not yet masked, oldest first."""
    stmt = (select(ChatConversation)
            .where(ChatConversation.masked_at.is_(None), ChatConversation.state == "closed",
                   ChatConversation.closed_at < cutoff)
            .order_by(ChatConversation.closed_at, ChatConversation.id).limit(limit)
            .with_for_update(skip_locked=True))
    return (await session.scalars(stmt)).all()


async def blank_messages(session: AsyncSession, conversation_ids: Sequence[int]) -> int:
    """Empty the text and media of these conversations' messages (direction, kind, author and time
    stay: message counts and response times are still reported). Returns the messages touched."""
    if not conversation_ids:
        return 0
    result = await session.execute(
        update(ChatMessage).where(ChatMessage.conversation_id.in_(set(conversation_ids)))
        .values(text="", media=None).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def outbound_of(session: AsyncSession, conversation_ids: Sequence[int]) -> Sequence[OutboundMessage]:
    """The outbox rows that carried these conversations' replies (their body is transcript too)."""
    if not conversation_ids:
        return []
    ids = select(ChatMessage.outbound_id).where(ChatMessage.conversation_id.in_(set(conversation_ids)),
                                                ChatMessage.outbound_id.is_not(None))
    return (await session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids)))).all()
