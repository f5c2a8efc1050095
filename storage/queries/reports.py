"""Aggregates for the supervisor's reports: one pass over the complaints received in a period."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Complaint

PENDING = ("registered", "at_l1", "at_l2")
DISPOSED = ("disposed", "disposed_l2", "closed")


def _measures(now: datetime) -> list[Any]:
    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0)).cast(Integer)

    return [
        func.count().label("received"),
        count_if(Complaint.state.in_(DISPOSED)).label("disposed"),
        count_if(Complaint.state == "closed").label("closed"),
        count_if(Complaint.state.in_(PENDING)).label("pending"),
        count_if(and_(Complaint.state.in_(("at_l1", "at_l2")), Complaint.due_at < now)).label("overdue"),
        count_if(Complaint.reopen_count > 0).label("reopened"),
        count_if(Complaint.escalated.is_(True)).label("escalated"),
        count_if(Complaint.feedback == "satisfied").label("satisfied"),
        count_if(Complaint.feedback == "dissatisfied").label("dissatisfied"),
    ]


async def summary(session: AsyncSession, start: datetime, end: datetime, now: datetime,
                  group_by: str | None = None) -> list[dict[str, Any]]:
    """Counts over complaints registered in [start, end), overall or grouped by a column."""
    columns = _measures(now)
    period = and_(Complaint.registered_at >= start, Complaint.registered_at < end)
    if group_by is None:
        row = (await session.execute(select(*columns).where(period))).one()
        return [dict(row._mapping)]
    key = {"department": Complaint.department_code, "district": Complaint.district_code,
           "officer": Complaint.officer_code}[group_by]
    stmt = select(key.label("code"), *columns).where(period).group_by(key).order_by(key)
    return [dict(r._mapping) for r in (await session.execute(stmt)).all()]


async def pending_by_age(session: AsyncSession, start: datetime, end: datetime, now: datetime,
                         buckets: list[tuple[str, datetime, datetime | None]],
                         group_by: str | None = None) -> list[dict[str, Any]]:
    """Pending complaints in age buckets (by registration age): [(label, newest, oldest)]."""
    cols = [
        func.sum(case((and_(Complaint.registered_at <= newest,
                            Complaint.registered_at > oldest if oldest is not None else True), 1),
                      else_=0)).cast(Integer).label(label)
        for label, newest, oldest in buckets
    ]
    where = and_(Complaint.registered_at >= start, Complaint.registered_at < end, Complaint.state.in_(PENDING))
    if group_by is None:
        return [dict((await session.execute(select(*cols).where(where))).one()._mapping)]
    key = {"department": Complaint.department_code, "district": Complaint.district_code,
           "officer": Complaint.officer_code}[group_by]
    stmt = select(key.label("code"), *cols).where(where).group_by(key)
    return [dict(r._mapping) for r in (await session.execute(stmt)).all()]
