"""What the deadline rules look at: complaints overdue at L1, locked for the one process acting on them."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Complaint


async def overdue_at_l1(session: AsyncSession, before: datetime, limit: int) -> Sequence[Complaint]:
    """Open at L1 with a deadline before `before`, oldest deadline first; rows another process is
    working on are skipped (PostgreSQL), so N servers never act twice on one complaint."""
    stmt = (select(Complaint).where(Complaint.state == "at_l1", Complaint.due_at < before)
            .order_by(Complaint.due_at, Complaint.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.scalars(stmt)).all()
