"""The officer's inbox: one page of open complaints with filters and a count, and the complaints the
officer has handled (disposed, transferred, returned) since."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Citizen, Complaint, ComplaintEvent

HANDLED_ACTIONS = ("dispose", "transfer", "request_transfer", "return", "interim")


@dataclass(frozen=True)
class InboxQuery:
    officer_code: str
    states: tuple[str, ...]
    category: str | None = None
    overdue: bool = False
    due_before: datetime | None = None  # due soon: not overdue, due before this
    reopened: bool = False
    escalated: bool = False
    text: str | None = None  # part of a name or description
    number_prefix: str | None = None
    phone: str | None = None


def _filtered(stmt: Select, q: InboxQuery, now: datetime) -> Select:  # type: ignore[type-arg]
    if q.category:
        stmt = stmt.where(Complaint.category_code == q.category)
    if q.overdue:
        stmt = stmt.where(Complaint.due_at < now)
    if q.due_before is not None:
        stmt = stmt.where(Complaint.due_at >= now, Complaint.due_at < q.due_before)
    if q.reopened:
        stmt = stmt.where(Complaint.reopen_count > 0)
    if q.escalated:
        stmt = stmt.where(Complaint.escalated.is_(True))
    matches = []
    if q.number_prefix:
        matches.append(Complaint.number.startswith(q.number_prefix))
    if q.phone:
        matches.append(Complaint.phone == q.phone)
    if q.text:  # the caller joined the citizen: only the officer's complaints' citizens are looked at
        matches.append(Citizen.name.icontains(q.text, autoescape=True))
        matches.append(Complaint.description.icontains(q.text, autoescape=True))
    if matches:
        stmt = stmt.where(or_(*matches))
    return stmt


async def open_page(session: AsyncSession, q: InboxQuery, now: datetime, *, limit: int,
                    offset: int) -> tuple[int, Sequence[Complaint]]:
    """(how many match, the page of them), earliest deadline first."""
    base = select(Complaint.id).where(Complaint.officer_code == q.officer_code, Complaint.state.in_(q.states))
    if q.text:
        base = base.join(Citizen, Citizen.id == Complaint.citizen_id)
    base = _filtered(base, q, now)
    ordered = base.order_by(Complaint.due_at, Complaint.id)
    if q.text:  # a search reads rows and citizens: one pass gives both the count and the page
        every = (await session.scalars(ordered)).all()
        total, ids = len(every), every[offset:offset + limit]
    else:  # count and page on ids (the covering inbox index answers both), then read the page's rows
        total = await session.scalar(select(func.count()).select_from(base.subquery()))
        ids = (await session.scalars(ordered.limit(limit).offset(offset))).all()
    if not ids:
        return int(total or 0), []
    found = {c.id: c for c in (await session.scalars(select(Complaint).where(Complaint.id.in_(ids)))).all()}
    return int(total or 0), [found[i] for i in ids if i in found]


async def handled_page(session: AsyncSession, actor: str, *, limit: int,
                       offset: int) -> tuple[int, Sequence[tuple[Complaint, str, datetime]]]:
    """Complaints `actor` disposed, transferred or returned, latest first, with the last such action."""
    last = (select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.id).label("event_id"))
            .where(ComplaintEvent.actor == actor, ComplaintEvent.action.in_(HANDLED_ACTIONS))
            .group_by(ComplaintEvent.complaint_id).subquery())
    total = await session.scalar(select(func.count()).select_from(last))
    stmt = (select(Complaint, ComplaintEvent.action, ComplaintEvent.at)
            .join(last, last.c.complaint_id == Complaint.id)
            .join(ComplaintEvent, ComplaintEvent.id == last.c.event_id)
            .order_by(ComplaintEvent.id.desc()).limit(limit).offset(offset))
    rows = [(c, action, at) for c, action, at in (await session.execute(stmt)).all()]
    return int(total or 0), rows


async def has_handled(session: AsyncSession, complaint_id: int, actor: str) -> bool:
    """Did `actor` dispose, transfer or return this complaint (so may still read it)?"""
    stmt = select(ComplaintEvent.id).where(ComplaintEvent.complaint_id == complaint_id,
                                           ComplaintEvent.actor == actor,
                                           ComplaintEvent.action.in_(HANDLED_ACTIONS)).limit(1)
    return (await session.scalar(stmt)) is not None
