"""The collector's page (issue 13): one district's complaints of a day, pending work by officer,
satisfaction by department, officers' on-time disposal; and lists to drill down into. Every query
is bounded by the district and an indexed column (registered_at, or state + due_at). Pending work
by officer reads a partial index of the open complaints alone (ix_complaints_district_open), whose
predicate the query repeats literally (a bound parameter could not prove it in a generic plan)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OPEN_PREDICATE, Complaint

OPEN = ("at_l1", "at_l2")
DONE = ("disposed", "disposed_l2", "closed")


def _in_district(district: str | None):  # type: ignore[no-untyped-def]
    return Complaint.district_code == district if district else True


async def pending_by_officer(session: AsyncSession, district: str | None,
                             now: datetime) -> Sequence[tuple[str | None, int, int, int, int]]:
    """(officer, pending, overdue, reopened, escalated) for complaints open at an officer."""
    count = func.count()
    stmt = (select(Complaint.officer_code, count, count.filter(Complaint.due_at < now),
                   count.filter(Complaint.reopen_count > 0), count.filter(Complaint.escalated.is_(True)))
            .where(_in_district(district), text(f"complaints.{OPEN_PREDICATE}"))
            .group_by(Complaint.officer_code))
    return [(o, int(n), int(late or 0), int(re or 0), int(esc or 0)) for o, n, late, re, esc in
            (await session.execute(stmt)).all()]


async def received_between(session: AsyncSession, district: str | None, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).select_from(Complaint).where(
        _in_district(district), Complaint.registered_at >= start, Complaint.registered_at < end)
    return int(await session.scalar(stmt) or 0)


async def period_by_department_officer(
        session: AsyncSession, district: str | None, start: datetime,
        end: datetime) -> Sequence[tuple[str, str | None, int, int, int, int, int, int]]:
    """One scan of the complaints registered in [start, end), by (department, officer): received,
    disposed (any later state), satisfied, dissatisfied, with a disposal time, disposed on time."""
    on_time = and_(Complaint.disposed_at.is_not(None), Complaint.due_at.is_not(None),
                   Complaint.disposed_at <= Complaint.due_at)
    count = func.count()
    stmt = (select(Complaint.department_code, Complaint.officer_code, count,
                   count.filter(Complaint.state.in_(DONE)),
                   count.filter(Complaint.feedback == "satisfied"),
                   count.filter(Complaint.feedback == "dissatisfied"),
                   func.count(Complaint.disposed_at),
                   count.filter(on_time))
            .where(_in_district(district), Complaint.registered_at >= start, Complaint.registered_at < end)
            .group_by(Complaint.department_code, Complaint.officer_code))
    return [(d, o, int(n), int(done or 0), int(sat or 0), int(dis or 0), int(disp or 0), int(ok or 0))
            for d, o, n, done, sat, dis, disp, ok in (await session.execute(stmt)).all()]


async def listing(session: AsyncSession, *, district: str | None, start: datetime | None, end: datetime | None,
                  state: str | None = None, officer: str | None = None, measure: str | None = None,
                  now: datetime, limit: int = 200, offset: int = 0) -> tuple[int, Sequence[Complaint]]:
    """A district's complaints for drill-down: registered in [start, end) (when given), in a state, of
    an officer, or only those a column counts (pending, overdue, reopened, escalated)."""
    stmt = select(Complaint).where(_in_district(district))
    if start is not None:
        stmt = stmt.where(Complaint.registered_at >= start)
    if end is not None:
        stmt = stmt.where(Complaint.registered_at < end)
    if state:
        stmt = stmt.where(Complaint.state == state)
    if officer:
        stmt = stmt.where(Complaint.officer_code == officer)
    if measure in ("pending", "overdue", "reopened", "escalated"):
        stmt = stmt.where(Complaint.state.in_(OPEN))
        if measure == "overdue":
            stmt = stmt.where(Complaint.due_at < now)
        elif measure == "reopened":
            stmt = stmt.where(Complaint.reopen_count > 0)
        elif measure == "escalated":
            stmt = stmt.where(Complaint.escalated.is_(True))
        order = (Complaint.due_at, Complaint.id)
    else:
        order = (Complaint.registered_at.desc(), Complaint.id.desc())
    # Count and page on the ids alone (the covering indexes answer both), then read the page's rows.
    ids_stmt = stmt.with_only_columns(Complaint.id)
    total = await session.scalar(select(func.count()).select_from(ids_stmt.subquery()))
    ids = (await session.scalars(ids_stmt.order_by(*order).limit(limit).offset(offset))).all()
    if not ids:
        return int(total or 0), []
    found = {c.id: c for c in (await session.scalars(select(Complaint).where(Complaint.id.in_(ids)))).all()}
    return int(total or 0), [found[i] for i in ids if i in found]

