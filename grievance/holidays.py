"""The helpline's holiday calendar, as the rest of the application reads it.

One calendar, kept by the administrator (`/admin` → Hours and holidays, `POST /admin/holidays`),
stored in the `holidays` table. The agent queues close on these dates (ivr.hours), campaigns do
not call on them (dialer.campaigns.CallingWindow), and anything counting working days can ask
`holiday_dates` for a range.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from storage.queries import hours as hours_q


async def holiday_dates(session: AsyncSession, first: date | None = None, last: date | None = None) -> set[date]:
    """The calendar's holidays between `first` and `last` (inclusive; open ends when None)."""
    rows = await hours_q.holidays(session, first.isoformat() if first else None, last.isoformat() if last else None)
    return {date.fromisoformat(r.day) for r in rows}
