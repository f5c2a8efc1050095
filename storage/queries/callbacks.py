"""Callback requests: callers who asked to be called back instead of waiting in a queue."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallbackRequest

OPEN = "open"


async def open_for_phone(session: AsyncSession, phone: str) -> CallbackRequest | None:
    """The oldest open request of `phone` (callbacks.phone is indexed)."""
    stmt = (
        select(CallbackRequest)
        .where(CallbackRequest.phone == phone, CallbackRequest.state == OPEN)
        .order_by(CallbackRequest.id)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def add(session: AsyncSession, request: CallbackRequest) -> CallbackRequest:
    session.add(request)
    await session.flush()
    return request


async def pending(session: AsyncSession, queue: str | None = None, limit: int = 100) -> Sequence[CallbackRequest]:
    """Open requests in the order to call back: first queue join first (the caller's place)."""
    stmt = select(CallbackRequest).where(CallbackRequest.state == OPEN)
    if queue is not None:
        stmt = stmt.where(CallbackRequest.queue == queue)
    joined = func.coalesce(CallbackRequest.queue_joined_at, CallbackRequest.requested_at)
    stmt = stmt.order_by(joined, CallbackRequest.id).limit(limit)
    return (await session.scalars(stmt)).all()
