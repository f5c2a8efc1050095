"""Callbacks served: the list agents work through (IVR requests and abandoned calls, first queue
join first), taken by one agent at a time, each attempt and its outcome recorded.

- Take: one UPDATE that succeeds only when nobody else holds the request (or their hold ran out
  after TAKE_MINUTES): two agents, or two processes, cannot both get it (409 for the second).
- Result: `reached` closes the request (called back); `no_answer`, `busy`, `failed` release it
  for a later try, and the MAX_ATTEMPTS-th failure closes it as `failed`, which the supervisor
  sees in the list of failed callbacks.
- Abandoned and timed-out queue calls become requests of kind `abandoned` as their call rows are
  written (one open request per number, so a caller who rang five times is called once); an
  answered call from the same number later closes it (`called_again`).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from cti import screen_pop as sp
from grievance.errors import Conflict, InvalidInput, NotFound
from storage.models import CallbackRequest
from storage.queries import callbacks as callback_q
from storage.queries import calls as call_q

log = logging.getLogger(__name__)

OUTCOMES = ("reached", "no_answer", "busy", "failed")
MAX_ATTEMPTS = 3
TAKE_MINUTES = 10


class CallbackTaken(Conflict):
    error_id = "callback_taken"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(at: datetime | None, tz: ZoneInfo) -> str | None:
    return at.astimezone(tz).isoformat(timespec="seconds") if at else None


async def request_json(session: AsyncSession, row: CallbackRequest, tz: ZoneInfo, now: datetime, *,
                       with_history: bool = True, attempts: Sequence[Any] = (),
                       history: tuple[Sequence[Any], Sequence[Any]] | None = None) -> dict[str, Any]:
    taken = row.taken_by is not None and row.taken_until is not None and row.taken_until > now
    data: dict[str, Any] = {
        "id": row.id, "kind": row.kind, "recording": row.recording, "phone": row.phone, "language": row.language, "queue": row.queue,
        "state": row.state, "joined_at": _iso(row.queue_joined_at or row.requested_at, tz),
        "requested_at": _iso(row.requested_at, tz), "attempts": row.attempts, "last_outcome": row.last_outcome,
        "last_attempt_at": _iso(row.last_attempt_at, tz), "taken_by": row.taken_by if taken else None,
        "handled_by": row.handled_by, "handled_at": _iso(row.handled_at, tz),
        "tries": [{"at": _iso(a.at, tz), "agent": a.agent, "outcome": a.outcome, "note": a.note} for a in attempts],
    }
    if with_history:
        if history is None:
            citizens, complaints, _ = await call_q.caller_context(session, row.phone)
        else:
            citizens, complaints = history
        context = sp.context_json(citizens, complaints, [], tz, now)
        data["citizens"], data["complaints"] = context["citizens"], context["complaints"]
    return data


async def listing(session: AsyncSession, tz: ZoneInfo, state: str = "open") -> list[dict[str, Any]]:
    """Open requests in join-time order with the caller's history; `failed` or `done` for the supervisor."""
    if state not in (callback_q.OPEN, callback_q.FAILED, callback_q.DONE):
        raise InvalidInput("state must be open, failed or done", field="state")
    rows = await callback_q.listing(session, (state,))
    tries = await callback_q.attempts_of(session, [r.id for r in rows])
    history = await callback_q.history_for_phones(session, [r.phone for r in rows])  # 2 queries, not 2 per row
    now = _now()
    return [await request_json(session, r, tz, now, attempts=tries.get(r.id, ()), history=history[r.phone])
            for r in rows]


async def take(session: AsyncSession, request_id: int, agent: str, tz: ZoneInfo) -> dict[str, Any]:
    now = _now()
    row = await callback_q.by_id(session, request_id)
    if row is None:
        raise NotFound(f"no callback request {request_id}", id=request_id)
    if row.state != callback_q.OPEN:
        raise Conflict(f"callback request {request_id} is already closed ({row.state})", id=request_id)
    if not await callback_q.take(session, request_id, agent, now, now + timedelta(minutes=TAKE_MINUTES)):
        await session.refresh(row)
        raise CallbackTaken(f"another agent ({row.taken_by}) is calling this number back", id=request_id,
                            taken_by=row.taken_by)
    await session.refresh(row)
    tries = await callback_q.attempts_of(session, [row.id])
    return await request_json(session, row, tz, now, attempts=tries.get(row.id, ()))


async def record(session: AsyncSession, request_id: int, agent: str, outcome: str, note: str,
                 call_id: str | None, tz: ZoneInfo) -> dict[str, Any]:
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    now = _now()
    row = await callback_q.by_id(session, request_id)
    if row is None:
        raise NotFound(f"no callback request {request_id}", id=request_id)
    final = callback_q.DONE if outcome == "reached" else (
        callback_q.FAILED if row.attempts + 1 >= MAX_ATTEMPTS else None)
    if not await callback_q.record_result(session, request_id, agent, outcome, " ".join(note.split())[:500],
                                          call_id, now, final_state=final):
        raise Conflict("take this callback request first; it is not held by you", id=request_id)
    await session.refresh(row)
    tries = await callback_q.attempts_of(session, [row.id])
    return await request_json(session, row, tz, now, with_history=False, attempts=tries.get(row.id, ()))


async def note_call_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Called by the CTI as it writes call rows (in the same transaction, inside a savepoint: a
    refusal here is logged and never costs the call rows)."""
    try:
        async with session.begin_nested():
            await callback_q.from_call_rows(session, rows)
    except Exception as exc:  # noqa: BLE001 - the call rows matter more than the callback list
        log.error("abandoned calls not added to the callback list (%s: %s)", type(exc).__name__,
                  str(exc).splitlines()[0][:200])


async def abandoned(session: AsyncSession, since: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Abandoned and timed-out calls since `since`, one line per number (newest first), each with how
    many times it rang and where its callback stands: open, taken, done (called back), failed."""
    from storage.queries import call_stats

    by_phone: dict[str, dict[str, Any]] = {}
    for call in await call_stats.abandoned_since(session, since, limit=2000):
        line = by_phone.get(call.caller)
        if line is None:
            by_phone[call.caller] = line = {
                "id": call.linkedid, "caller": call.caller, "queue": call.queue, "waited_s": call.wait_s,
                "outcome": call.outcome, "at": _iso(call.started_at, tz), "calls": 0, "first_at": call.started_at}
        line["calls"] += 1
        line["first_at"] = min(line["first_at"], call.started_at)
    requests = await callback_q.latest_for_phones(session, list(by_phone), since)
    now = _now()
    out = []
    for phone, line in by_phone.items():
        request = requests.get(phone)
        status = None
        if request is not None and request.requested_at >= line.pop("first_at"):
            taken = request.state == callback_q.OPEN and request.taken_by and request.taken_until and request.taken_until > now
            status = "taken" if taken else request.state
        else:
            line.pop("first_at", None)
        out.append({**line, "callback": status, "callback_id": request.id if status else None})
    return out
