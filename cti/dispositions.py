"""The agent's wrap-up code for a call, with the complaint registered during it."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.errors import NotFound
from storage.queries import call_stats

DISPOSITIONS = ("complaint_registered", "status_enquiry", "information", "feedback", "wrong_number",
                "silent", "abusive", "other")


async def set_disposition(session: AsyncSession, call_id: str, disposition: str, complaint_number: str | None,
                          *, role: str, extension: str | None) -> dict[str, Any]:
    """Agents code their own calls (the call row names their extension); supervisors any call."""
    number = (await service.get(session, complaint_number)).number if complaint_number else None
    own = None if role in ("supervisor", "admin") else (extension or "")
    changed = await call_stats.set_disposition(session, call_id[:64], disposition, number, agent=own)
    if not changed:
        raise NotFound(f"no call {call_id!r} answered by you is recorded yet; try again when the call has ended",
                       call=call_id)
    return {"call": call_id, "disposition": disposition, "complaint_number": number}
