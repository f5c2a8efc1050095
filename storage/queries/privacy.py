"""Data protection (issue 13): what retention masks, everything held on one phone number, and the
audit of who looked at a citizen's data outside a call."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Call,
    CallbackRequest,
    ChatConversation,
    ChatMessage,
    Citizen,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    DataAccess,
    OutboundMessage,
)


async def closed_before(session: AsyncSession, cutoff: datetime, limit: int) -> Sequence[Complaint]:
    stmt = (select(Complaint).where(Complaint.state == "closed", Complaint.closed_at < cutoff,
                                    Complaint.masked_at.is_(None))
            .order_by(Complaint.closed_at, Complaint.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.scalars(stmt)).all()


async def citizens_with_unmasked(session: AsyncSession, citizen_ids: Sequence[int]) -> set[int]:
    if not citizen_ids:
        return set()
    stmt = select(Complaint.citizen_id).where(Complaint.citizen_id.in_(set(citizen_ids)),
                                              Complaint.masked_at.is_(None)).distinct()
    return set((await session.scalars(stmt)).all())


async def citizens(session: AsyncSession, citizen_ids: Sequence[int]) -> Sequence[Citizen]:
    if not citizen_ids:
        return []
    return (await session.scalars(select(Citizen).where(Citizen.id.in_(set(citizen_ids))))).all()


async def held_on_phone(session: AsyncSession, phone: str) -> dict[str, Any]:
    """Every row that holds this phone number (or belongs to a citizen or complaint that does)."""
    people = (await session.scalars(select(Citizen).where(Citizen.phone == phone).order_by(Citizen.id))).all()
    complaints = (await session.scalars(select(Complaint).where(Complaint.phone == phone)
                                        .order_by(Complaint.id))).all()
    ids = [c.id for c in complaints]
    events = (await session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id.in_(ids))
                                    .order_by(ComplaintEvent.id))).all() if ids else []
    files = (await session.scalars(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id.in_(ids))
                                   .order_by(ComplaintAttachment.id))).all() if ids else []
    calls = (await session.scalars(select(Call).where(Call.caller == phone).order_by(Call.id))).all()
    callbacks = (await session.scalars(select(CallbackRequest).where(CallbackRequest.phone == phone)
                                       .order_by(CallbackRequest.id))).all()
    chats = (await session.scalars(select(ChatConversation).where(ChatConversation.phone == phone)
                                   .order_by(ChatConversation.id))).all()
    chat_ids = [c.id for c in chats]
    messages = (await session.scalars(select(ChatMessage).where(ChatMessage.conversation_id.in_(chat_ids))
                                      .order_by(ChatMessage.id))).all() if chat_ids else []
    sent = (await session.scalars(select(OutboundMessage).where(OutboundMessage.recipient == phone)
                                  .order_by(OutboundMessage.id))).all()
    return {"citizens": people, "complaints": complaints, "events": events, "attachments": files, "calls": calls,
            "callbacks": callbacks, "chats": chats, "chat_messages": messages, "messages_sent": sent}


async def add_access(session: AsyncSession, row: DataAccess) -> None:
    session.add(row)
    await session.flush()


async def accesses(session: AsyncSession, *, start: datetime, end: datetime, phone: str | None = None,
                   limit: int = 500) -> Sequence[DataAccess]:
    stmt = select(DataAccess).where(DataAccess.at >= start, DataAccess.at < end)
    if phone:
        stmt = stmt.where(DataAccess.phone == phone)
    return (await session.scalars(stmt.order_by(DataAccess.at.desc(), DataAccess.id.desc()).limit(limit))).all()
