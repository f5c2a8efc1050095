"""Callback requests: callers who asked to be called back instead of waiting in a queue."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallbackAttempt, CallbackRequest, Citizen, Complaint

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


# --- served callbacks (agent desk): take one at a time, record attempts, abandoned calls -------

DONE = "done"
FAILED = "failed"
_JOINED = func.coalesce(CallbackRequest.queue_joined_at, CallbackRequest.requested_at)


async def by_id(session: AsyncSession, request_id: int) -> CallbackRequest | None:
    return await session.get(CallbackRequest, request_id)


async def listing(session: AsyncSession, states: Sequence[str] = (OPEN,), limit: int = 200) -> Sequence[CallbackRequest]:
    """Requests in the order to call back (first queue join first), any kind."""
    stmt = (select(CallbackRequest).where(CallbackRequest.state.in_(tuple(states)))
            .order_by(_JOINED, CallbackRequest.id).limit(limit))
    return (await session.scalars(stmt)).all()


async def take(session: AsyncSession, request_id: int, agent: str, now: datetime, until: datetime) -> bool:
    """Give an open request to `agent` unless another agent holds it (one UPDATE: atomic across processes)."""
    free = or_(CallbackRequest.taken_by.is_(None), CallbackRequest.taken_until < now,
               CallbackRequest.taken_by == agent)
    result = await session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id == request_id, CallbackRequest.state == OPEN, free)
        .values(taken_by=agent, taken_until=until))
    return bool(result.rowcount)


async def record_result(session: AsyncSession, request_id: int, agent: str, outcome: str, note: str,
                        call_id: str | None, now: datetime, *, final_state: str | None) -> bool:
    """Record one attempt by the agent holding the request; release it, or close it (`final_state`)."""
    values: dict[str, Any] = {"attempts": CallbackRequest.attempts + 1, "last_outcome": outcome,
                              "last_attempt_at": now, "taken_by": None, "taken_until": None}
    if final_state is not None:
        values.update(state=final_state, handled_by=agent, handled_at=now)
    result = await session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id == request_id, CallbackRequest.state == OPEN,
               CallbackRequest.taken_by == agent)
        .values(**values))
    if not result.rowcount:
        return False
    session.add(CallbackAttempt(request_id=request_id, agent=agent, at=now, outcome=outcome, note=note,
                                call_id=call_id))
    await session.flush()
    return True


async def attempts_of(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, list[CallbackAttempt]]:
    if not request_ids:
        return {}
    rows = (await session.scalars(select(CallbackAttempt).where(CallbackAttempt.request_id.in_(request_ids))
                                  .order_by(CallbackAttempt.at, CallbackAttempt.id))).all()
    out: dict[int, list[CallbackAttempt]] = {}
    for row in rows:
        out.setdefault(row.request_id, []).append(row)
    return out


async def from_call_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Abandoned and timed-out queue calls become callback requests (one open per number); a
    number answered later is no longer waiting for a callback of its abandoned call."""
    for row in rows:
        phone = row.get("caller") or ""
        if row.get("direction") != "inbound" or not row.get("queue") or not phone.startswith("+91"):
            continue
        if row.get("outcome") in ("abandoned", "timeout"):
            joined = row.get("ended_at")
            if joined is not None and row.get("wait_s") is not None:
                joined = joined - timedelta(seconds=int(row["wait_s"]))
            values = {"phone": phone, "language": (row.get("language") or "hi")[:2], "queue": row["queue"],
                      "linkedid": row.get("linkedid"), "queue_joined_at": joined or row["started_at"],
                      "requested_at": row.get("ended_at") or row["started_at"], "state": OPEN,
                      "kind": "abandoned", "attempts": 0}
            await session.execute(_insert_ignoring_open(session, values))
        elif row.get("outcome") == "answered":
            await session.execute(
                update(CallbackRequest)
                .where(CallbackRequest.phone == phone, CallbackRequest.state == OPEN,
                       CallbackRequest.kind == "abandoned", CallbackRequest.taken_by.is_(None))
                .values(state=DONE, last_outcome="called_again", handled_by="caller",
                        handled_at=row.get("answered_at") or row["started_at"]))


def _insert_ignoring_open(session: AsyncSession, values: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on the one-open-per-number index (SQLite and PostgreSQL)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    # The predicate as a literal: PostgreSQL infers the partial index only from the same expression.
    return dialect_insert(CallbackRequest).values(**values).on_conflict_do_nothing(
        index_elements=["phone"], index_where=text("state = 'open'"))


async def latest_for_phones(session: AsyncSession, phones: Sequence[str], since: datetime) -> dict[str, CallbackRequest]:
    """The newest request of each number made since `since` (any state)."""
    if not phones:
        return {}
    rows = (await session.scalars(select(CallbackRequest).where(
        CallbackRequest.phone.in_(sorted(set(phones))), CallbackRequest.requested_at >= since)
        .order_by(CallbackRequest.requested_at, CallbackRequest.id))).all()
    return {row.phone: row for row in rows}


async def history_for_phones(session: AsyncSession, phones: Sequence[str], per_phone: int = 20) -> dict[
        str, tuple[list[Citizen], list[Complaint]]]:
    """Citizens and their latest complaints for many numbers in two queries (the callback list)."""
    wanted = sorted(set(phones))
    out: dict[str, tuple[list[Citizen], list[Complaint]]] = {p: ([], []) for p in wanted}
    if not wanted:
        return out
    for citizen in (await session.scalars(select(Citizen).where(Citizen.phone.in_(wanted))
                                          .order_by(Citizen.id))).all():
        out[citizen.phone][0].append(citizen)
    stmt = (select(Complaint).where(Complaint.phone.in_(wanted))
            .order_by(Complaint.registered_at.desc(), Complaint.id.desc()))
    for complaint in (await session.scalars(stmt)).all():
        kept = out[complaint.phone][1]
        if len(kept) < per_phone:
            kept.append(complaint)
    return out
