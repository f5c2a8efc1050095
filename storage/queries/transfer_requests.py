"""Transfer requests between officers (issue 13): asked by the holder, decided by the receiver or a supervisor."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Complaint, TransferRequest


async def add(session: AsyncSession, row: TransferRequest) -> TransferRequest:
    session.add(row)
    await session.flush()
    return row


async def by_id(session: AsyncSession, request_id: int, *, for_update: bool = False) -> TransferRequest | None:
    stmt = select(TransferRequest).where(TransferRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def pending_for_complaint(session: AsyncSession, complaint_id: int) -> TransferRequest | None:
    stmt = select(TransferRequest).where(TransferRequest.complaint_id == complaint_id,
                                         TransferRequest.state == "pending")
    return (await session.scalars(stmt)).first()


async def pending_to(session: AsyncSession, officer_code: str,
                     limit: int = 100) -> Sequence[tuple[TransferRequest, Complaint]]:
    stmt = (select(TransferRequest, Complaint).join(Complaint, Complaint.id == TransferRequest.complaint_id)
            .where(TransferRequest.to_officer_code == officer_code, TransferRequest.state == "pending")
            .order_by(TransferRequest.requested_at).limit(limit))
    return [(r, c) for r, c in (await session.execute(stmt)).all()]


async def pending_all(session: AsyncSession, limit: int = 200) -> Sequence[tuple[TransferRequest, Complaint]]:
    stmt = (select(TransferRequest, Complaint).join(Complaint, Complaint.id == TransferRequest.complaint_id)
            .where(TransferRequest.state == "pending").order_by(TransferRequest.requested_at).limit(limit))
    return [(r, c) for r, c in (await session.execute(stmt)).all()]
