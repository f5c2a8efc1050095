"""Call rows (one per ended call), the caller context of a screen pop, wallboard day counts."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Call, CallbackRequest, Citizen, Complaint
from storage.queries import dialects

OPEN_COMPLAINT_LIMIT = 20  # the latest complaints shown in a pop
JOIN_ROW_LIMIT = 200
INSERT_CHUNK = 500  # rows per INSERT (SQLite allows 32,766 parameters; a row has 20)


async def add_many(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert call rows (dicts of Call columns); a call already written (same server and linkedid,
    by this or another process) is skipped. Returns the rows actually inserted."""
    rows = list(rows)
    if not rows:
        return []
    written: set[tuple[str, str]] = set()
    for start in range(0, len(rows), INSERT_CHUNK):  # one multi-row VALUES statement per chunk
        stmt = dialects.insert(session, Call).values(rows[start:start + INSERT_CHUNK]).on_conflict_do_nothing(
            index_elements=["server", "linkedid"]).returning(Call.server, Call.linkedid)
        written.update((s, lid) for s, lid in (await session.execute(stmt)).all())
    return [r for r in rows if (r.get("server", ""), r["linkedid"]) in written]


async def by_linkedid(session: AsyncSession, linkedid: str) -> Sequence[Call]:
    return (await session.scalars(select(Call).where(Call.linkedid == linkedid).order_by(Call.id))).all()


async def since(session: AsyncSession, start: datetime, limit: int = 1000) -> Sequence[Call]:
    stmt = select(Call).where(Call.started_at >= start).order_by(Call.started_at, Call.id).limit(limit)
    return (await session.scalars(stmt)).all()


async def day_counts(session: AsyncSession, start: datetime, answered_within_s: int) -> dict[str, int]:
    """Inbound calls ended since `start`: total, answered, answered within the service level,
    abandoned (hung up in queue) and timed out."""
    stmt = select(
        func.count(),
        func.sum(case((Call.outcome == "answered", 1), else_=0)),
        func.sum(case(((Call.outcome == "answered") & (Call.wait_s <= answered_within_s), 1), else_=0)),
        func.sum(case((Call.outcome == "abandoned", 1), else_=0)),
        func.sum(case((Call.outcome == "timeout", 1), else_=0)),
    ).where(Call.started_at >= start, Call.direction == "inbound", Call.queue.is_not(None))
    total, answered, in_sl, abandoned, timeout = (await session.execute(stmt)).one()
    return {"offered": int(total or 0), "answered": int(answered or 0), "answered_in_sl": int(in_sl or 0),
            "abandoned": int(abandoned or 0), "timeout": int(timeout or 0)}


async def caller_context(session: AsyncSession, phone: str) -> tuple[
        list[Citizen], list[Complaint], Sequence[CallbackRequest]]:
    """Citizens on `phone`, their latest complaints, and open callback requests for it.

    Two indexed queries: citizens.phone with their complaints (outer join), callback_requests.phone.
    """
    rows = (await session.execute(
        select(Citizen, Complaint)
        .outerjoin(Complaint, Complaint.citizen_id == Citizen.id)
        .where(Citizen.phone == phone)
        .order_by(Complaint.registered_at.desc().nulls_first(), Complaint.id.desc())
        .limit(JOIN_ROW_LIMIT))).all()
    citizens: dict[int, Citizen] = {}
    complaints: list[Complaint] = []
    for citizen, complaint in rows:
        citizens.setdefault(citizen.id, citizen)
        if complaint is not None and len(complaints) < OPEN_COMPLAINT_LIMIT:
            complaints.append(complaint)
    callbacks = (await session.scalars(
        select(CallbackRequest)
        .where(CallbackRequest.phone == phone, CallbackRequest.state == "open")
        .order_by(CallbackRequest.requested_at))).all()
    return sorted(citizens.values(), key=lambda c: c.id), complaints, callbacks
