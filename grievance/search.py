"""What an agent types in the search box: a complaint number or a phone number."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import numbers, service
from grievance.phones import ascii_digits, normalise_phone
from grievance.views import complaint_json, complaints_json
from storage.queries import complaints as complaint_q


def looks_like_complaint_number(text: str) -> bool:
    """11 digits not starting with 0 (phones typed with a trunk 0 are also 11 digits)."""
    return len(text) == numbers.LENGTH and text.isascii() and text.isdigit() and not text.startswith("0")


async def search_complaints(session: AsyncSession, q: str, tz: ZoneInfo, now: datetime,
                            limit: int = 50) -> list[dict[str, Any]]:
    """Complaints matching a complaint number or a phone number, newest first.

    A mistyped complaint number raises InvalidInput (check digit) rather than searching phones.
    """
    cleaned = "".join(ascii_digits(q).split())
    if looks_like_complaint_number(cleaned):
        return [await complaint_json(session, await service.get(session, cleaned), tz, now)]
    rows = await complaint_q.search(session, phone=normalise_phone(cleaned), limit=limit)
    return await complaints_json(session, rows, tz, now)
