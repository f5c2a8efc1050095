"""Quality review of answered calls: the administrator's criteria with weights, a supervisor's
review of one call (which criteria were met, a comment), its score, and per-agent averages.

A call's score is the met criteria's share of the active criteria's weight, 0–100, rounded. The
weights are kept on each mark, so changing a weight later does not rewrite old scores. One
review per call: reviewing again replaces it (the reviewer and time are the latest).
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import Forbidden, InvalidInput, NotFound
from grievance.reports import period
from recordings.service import MANAGERS, Listener, may_hear
from storage.models import QaCriterion
from storage.queries import qa as qa_q
from storage.queries import recordings as recording_q

MAX_COMMENT = 1000


def criterion_json(c: QaCriterion) -> dict[str, Any]:
    return {"code": c.code, "name_en": c.name_en, "name_hi": c.name_hi, "weight": c.weight, "active": c.active}


def score(weights: dict[str, int], met: Collection[str]) -> int:
    total = sum(weights.values())
    return round(100 * sum(w for c, w in weights.items() if c in met) / total) if total else 0


async def review(session: AsyncSession, who: Listener, call_id: int, met: Collection[str], comment: str,
                 now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Save the review of an answered call by a supervisor or an administrator."""
    if who.role not in MANAGERS:
        raise Forbidden("quality reviews are written by supervisors")
    call = await recording_q.call(session, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}", field="call")
    if call.agent is None or call.answered_at is None:
        raise InvalidInput("only an answered call has an agent to review", field="call")
    active = {c.code: c.weight for c in await qa_q.criteria(session, active_only=True)}
    unknown = sorted(set(met) - set(active))
    if unknown:
        raise InvalidInput(f"not an active criterion: {', '.join(unknown)[:200]}", field="met")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"a comment is at most {MAX_COMMENT} characters", field="comment")
    value = score(active, met)
    await qa_q.save_review(session, call.id, call.agent, who.username, now, value, comment,
                           [(c, w, c in met) for c, w in active.items()])
    return await review_json(session, who, call_id, tz) or {}


async def review_json(session: AsyncSession, who: Listener, call_id: int, tz: ZoneInfo) -> dict[str, Any] | None:
    """The call's review (an agent sees the reviews of the calls the agent answered), or None."""
    call = await recording_q.call(session, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}", field="call")
    if not may_hear(who, call):
        raise Forbidden("agents see only the reviews of the calls they answered")
    found = await qa_q.review_of(session, call_id)
    if found is None:
        return None
    r, marks = found
    return {"call": r.call_id, "agent": r.agent, "reviewer": r.reviewer,
            "reviewed_at": r.reviewed_at.astimezone(tz).isoformat(), "score": r.score, "comment": r.comment,
            "marks": [{"criterion": m.criterion, "weight": m.weight, "met": m.met} for m in marks]}


async def averages(session: AsyncSession, first: date, last: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    lo, hi = period(first, last, tz)
    return await qa_q.averages(session, lo, hi)
