"""The agent's wrap-up code for a call, chosen from the administrator's list, and the rule that an
answered call is coded before the agent takes the next one (Ready)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.errors import Conflict, InvalidInput, NotFound
from storage.queries import call_stats
from storage.queries import desk_settings

# The shipped list (migration 0006 seeds it; the administrator edits it on /admin).
DISPOSITIONS = ("complaint_registered", "status_enquiry", "feedback", "information", "callback_done",
                "wrong_number", "silent", "abusive", "other")


CODING_WINDOW = timedelta(hours=12)  # a shift: an uncoded call older than this no longer blocks Ready


class DispositionRequired(Conflict):
    error_id = "disposition_required"


async def choices(session: AsyncSession) -> list[dict[str, Any]]:
    """The active dispositions, in the administrator's order."""
    return [{"code": r.code, "name_en": r.name_en, "name_hi": r.name_hi}
            for r in await desk_settings.dispositions(session, active_only=True)]


async def set_disposition(session: AsyncSession, call_id: str, disposition: str, complaint_number: str | None,
                          *, role: str, extension: str | None) -> dict[str, Any]:
    """Agents code their own calls (the call row names their extension); supervisors any call."""
    reason = await desk_settings.disposition(session, disposition)
    if reason is None or not reason.active:
        codes = [r["code"] for r in await choices(session)]
        raise InvalidInput(f"unknown disposition {disposition!r}; use one of: {', '.join(codes)}",
                           field="disposition")
    number = (await service.get(session, complaint_number)).number if complaint_number else None
    own = None if role in ("supervisor", "admin") else (extension or "")
    changed = await call_stats.set_disposition(session, call_id[:64], disposition, number, agent=own)
    if not changed:
        raise NotFound(f"no call {call_id!r} answered by you is recorded yet; try again when the call has ended",
                       call=call_id)
    return {"call": call_id, "disposition": disposition, "complaint_number": number}


async def require_coded(session: AsyncSession, extension: str, now: datetime) -> None:
    """Refuse Ready while the agent's last answered call of the shift (CODING_WINDOW) has no
    disposition — also after leaving and joining the queue again."""
    call = await call_stats.last_answered(session, extension, now - CODING_WINDOW)
    if call is not None and not call.disposition:
        raise DispositionRequired(
            "choose the disposition of your last call before you take the next one", call=call.linkedid)
