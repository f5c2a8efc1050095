"""Which officer gets a complaint, and by when it must be disposed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.calendar import WorkingCalendar, add_working_days
from grievance.errors import InvalidInput, NotFound
from storage.models import Category, Officer
from storage.queries import reference


@dataclass(frozen=True)
class Route:
    officer: Officer
    due_at: datetime


async def route(session: AsyncSession, *, department: str, district: str, category: Category, level: int,
                at: datetime, calendar: WorkingCalendar | None = None, tz: ZoneInfo | None = None) -> Route:
    """The officer of (department, district) at `level` and the deadline counted from `at`."""
    if category.department_code != department:
        raise InvalidInput(
            f"category {category.code!r} does not belong to department {department!r}",
            field="category",
        )
    officer = await reference.find_officer(session, department, district, level)
    if officer is None:
        raise NotFound(f"no level {level} officer is configured for department {department!r}",
                       department=department, level=level)
    return Route(officer=officer, due_at=due_for(at, category, calendar, tz))


def deadline(at: datetime, sla_days: int) -> datetime:
    return at + timedelta(days=sla_days)


def due_for(at: datetime, category: Category, calendar: WorkingCalendar | None = None,
            tz: ZoneInfo | None = None) -> datetime:
    """The deadline of a complaint of `category` assigned at `at`: its SLA in calendar days, or in
    working days (weekly off and holidays skipped) when the category says so and a calendar is known."""
    if getattr(category, "sla_working_days", False) and calendar is not None and tz is not None:
        return add_working_days(at, category.sla_days, calendar, tz)
    return deadline(at, category.sla_days)


def is_overdue(state: str, due_at: datetime | None, now: datetime) -> bool:
    """Overdue is derived, never stored: open at an officer and past its deadline."""
    return state in ("at_l1", "at_l2") and due_at is not None and now > due_at


def days_overdue(due_at: datetime | None, now: datetime) -> int:
    if due_at is None or now <= due_at:
        return 0
    return (now - due_at).days + 1
