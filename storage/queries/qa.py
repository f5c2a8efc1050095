"""Quality review: the administrator's criteria, reviews of calls with their marks, averages per agent."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Call, QaCriterion, QaMark, QaReview


async def criteria(session: AsyncSession, *, active_only: bool = False) -> Sequence[QaCriterion]:
    stmt = select(QaCriterion).order_by(QaCriterion.position, QaCriterion.code)
    if active_only:
        stmt = stmt.where(QaCriterion.active.is_(True))
    return (await session.scalars(stmt)).all()


async def put_criterion(session: AsyncSession, code: str, name_en: str, name_hi: str, weight: int,
                        active: bool) -> QaCriterion:
    row = await session.get(QaCriterion, code)
    if row is None:
        last = await session.scalar(select(func.max(QaCriterion.position)))
        row = QaCriterion(code=code, position=(last or 0) + 1)
        session.add(row)
    row.name_en, row.name_hi, row.weight, row.active = name_en, name_hi, weight, active
    await session.flush()
    return row


async def review_of(session: AsyncSession, call_id: int) -> tuple[QaReview, Sequence[QaMark]] | None:
    review = (await session.scalars(select(QaReview).where(QaReview.call_id == call_id))).first()
    if review is None:
        return None
    marks = (await session.scalars(select(QaMark).where(QaMark.review_id == review.id)
                                   .order_by(QaMark.criterion))).all()
    return review, marks


async def save_review(session: AsyncSession, call_id: int, agent: str, reviewer: str, at: datetime, score: int,
                      comment: str, marks: Iterable[tuple[str, int, bool]]) -> QaReview:
    """Create or replace the call's review (one per call) with these (criterion, weight, met) marks."""
    review = (await session.scalars(select(QaReview).where(QaReview.call_id == call_id).with_for_update())).first()
    if review is None:
        review = QaReview(call_id=call_id)
        session.add(review)
    review.agent, review.reviewer, review.reviewed_at, review.score, review.comment = agent, reviewer, at, score, comment
    await session.flush()
    await session.execute(delete(QaMark).where(QaMark.review_id == review.id))
    session.add_all([QaMark(review_id=review.id, criterion=c, weight=w, met=m) for c, w, m in marks])
    await session.flush()
    return review


async def scores(session: AsyncSession, call_ids: Sequence[int]) -> dict[int, int]:
    if not call_ids:
        return {}
    rows = await session.execute(select(QaReview.call_id, QaReview.score).where(QaReview.call_id.in_(call_ids)))
    return {call_id: score for call_id, score in rows.all()}


async def averages(session: AsyncSession, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per agent: reviews of calls that started in [start, end), and their mean score."""
    stmt = (select(QaReview.agent, func.count(), func.avg(QaReview.score))
            .join(Call, Call.id == QaReview.call_id)
            .where(Call.started_at >= start, Call.started_at < end)
            .group_by(QaReview.agent).order_by(QaReview.agent))
    return [{"agent": agent, "reviews": int(n), "average": round(float(avg), 1)}
            for agent, n, avg in (await session.execute(stmt)).all()]
