"""Finding recorded calls, who may hear one, and the audit of every listen.

Supervisors and administrators find any answered call's recording (by agent, caller's number,
complaint number, dates); an agent finds and hears only the calls the agent answered (403 for
another's). Every listen is written down (who, which call, when): a request for the start of
the file is one listen; the further byte ranges a player asks for while seeking are not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import numbers
from grievance.errors import Forbidden, InvalidInput, NotFound
from grievance.phones import normalise_phone
from common.privacy import mask_phone
from recordings.files import RecordingFolder, checked
from storage.models import Call
from storage.queries import qa as qa_q
from storage.queries import recordings as recording_q

MANAGERS = ("supervisor", "admin")
MAX_SPAN_DAYS = 366


@dataclass(frozen=True)
class Listener:
    username: str
    role: str
    extension: str | None


@dataclass(frozen=True)
class CallFilter:
    agent: str | None = None
    phone: str | None = None
    complaint: str | None = None
    start: date | None = None
    end: date | None = None

    def checked(self) -> "CallFilter":
        phone = normalise_phone(self.phone) if self.phone else None
        complaint = None
        if self.complaint:
            digits = "".join(self.complaint.split())
            try:
                complaint = numbers.validate(digits)
            except numbers.BadComplaintNumber as exc:
                raise InvalidInput(f"complaint number: {exc}", field="complaint") from exc
        for value in (self.start, self.end):
            if value is not None and not 2000 <= value.year <= 2100:
                raise InvalidInput("dates must be between 2000 and 2100", field="from")
        if self.start and self.end:
            if self.end < self.start:
                raise InvalidInput("'to' is before 'from'", field="to")
            if (self.end - self.start).days >= MAX_SPAN_DAYS:
                raise InvalidInput(f"search at most {MAX_SPAN_DAYS} days at once", field="to")
        agent = (self.agent or "").strip()[:64] or None
        return CallFilter(agent, phone, complaint, self.start, self.end)


def _bounds(f: CallFilter, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(f.start, time.min, tz).astimezone(timezone.utc) if f.start else None
    hi = datetime.combine(f.end + timedelta(days=1), time.min, tz).astimezone(timezone.utc) if f.end else None
    return lo, hi


def call_json(c: Call, tz: ZoneInfo, *, full_caller: bool, qa_score: int | None = None) -> dict[str, Any]:
    return {
        "id": c.id, "call_id": c.linkedid, "agent": c.agent, "queue": c.queue,
        "caller": c.caller if full_caller else mask_phone(c.caller),
        "started_at": c.started_at.astimezone(tz).isoformat(),
        "talk_s": c.talk_s, "complaint_number": c.complaint_number, "disposition": c.disposition,
        "recording": c.recording is not None and c.recording_deleted_at is None,
        "recording_deleted": c.recording_deleted_at is not None, "qa_score": qa_score,
    }


async def find(session: AsyncSession, who: Listener, f: CallFilter, tz: ZoneInfo, *,
               recorded_only: bool = True) -> list[dict[str, Any]]:
    """Answered calls matching `f`, newest first; an agent's search is kept to the agent's calls."""
    f = f.checked()
    if who.role not in MANAGERS:
        if not who.extension:
            return []
        f = CallFilter(who.extension, f.phone, f.complaint, f.start, f.end)
    lo, hi = _bounds(f, tz)
    rows = await recording_q.find(session, agent=f.agent, caller=f.phone, complaint=f.complaint, start=lo, end=hi,
                                  recorded_only=recorded_only)
    scores = await qa_q.scores(session, [c.id for c in rows])
    return [call_json(c, tz, full_caller=who.role in MANAGERS, qa_score=scores.get(c.id)) for c in rows]


def may_hear(who: Listener, c: Call) -> bool:
    return who.role in MANAGERS or (who.role == "agent" and who.extension is not None and c.agent == who.extension)


async def open_recording(session: AsyncSession, who: Listener, call_id: int, folder: RecordingFolder,
                         now: datetime, *, new_listen: bool) -> Path:
    """The file of a call's recording for `who`, writing the listen down when `new_listen`.

    404 when the call has no recording (never recorded, deleted by retention, or the file is
    gone); 403 for an agent asking for another agent's call."""
    c = await recording_q.call(session, call_id)
    if c is None:
        raise NotFound(f"no call {call_id}", field="id")
    if not may_hear(who, c):
        raise Forbidden("agents hear only the calls they answered")
    if c.recording_deleted_at is not None:
        raise NotFound("this recording was deleted at the end of its retention period", field="id")
    name = checked(c.recording)
    path = folder.path(name) if name else None
    if path is None or not path.is_file():
        raise NotFound("this call has no recording", field="id")
    if new_listen:
        await recording_q.add_listen(session, c.id, who.username, who.role, now)
    return path


async def listens(session: AsyncSession, tz: ZoneInfo) -> list[dict[str, Any]]:
    return [{"at": listen.at.astimezone(tz).isoformat(), "username": listen.username, "role": listen.role,
             "call": listen.call_id, "call_id": c.linkedid, "agent": c.agent,
             "started_at": c.started_at.astimezone(tz).isoformat()}
            for listen, c in await recording_q.listens(session)]


def first_range(range_header: str | None) -> bool:
    """True when a request asks for the file from its start (no Range, or `bytes=0-…`): a new listen."""
    if not range_header:
        return True
    spec = range_header.strip().lower()
    return spec.startswith("bytes=0-") or spec == "bytes=0"
