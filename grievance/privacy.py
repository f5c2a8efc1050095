"""Data protection for citizens (issue 13).

- Retention: `HELPLINE_RETENTION_MONTHS` after a complaint is closed, the citizen's name and phone
  on it are masked (`masked_at` set, a `mask` event); the complaint itself (district, department,
  category, dates, outcome, description) stays for statistics. A citizen row is masked once none of
  its complaints is still held in full. Call rows started and WhatsApp conversations closed more
  than N months ago are masked too: the caller's (or, outbound, the dialled) number, the chat's
  number and profile name, the transcript's text and media, and the outbox rows that carried the
  replies. Outcomes, times, message counts and directions stay, so every report counts the same.
- Export: everything held on one phone number, as JSON-ready data (the citizen's right of access).
- Audit: who viewed a citizen's data outside a call (officer and collector complaint pages,
  exports): `record_access` writes a row; `accesses` lists them for the administrator.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.phones import normalise_phone
from storage.models import Complaint, DataAccess
from storage.queries import privacy as privacy_q
from storage.queries import retention as retention_q

log = logging.getLogger(__name__)

BATCH = 1000
MASKED_NAME = "(masked)"
OUTBOUND = "outbound"


def masked_phone(phone: str) -> str:
    return "masked-" + (phone or "")[-4:]


def months_before(now: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The same local day and time `months` calendar months earlier (clamped to the month's end)."""
    local = now.astimezone(tz)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    month += 1
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month, day=day).astimezone(now.tzinfo)
        except ValueError:
            day -= 1


@dataclass
class Retention:
    months: int
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Any) -> "Retention":
        return cls(int(getattr(settings, "retention_months", 0)), ZoneInfo(settings.timezone))

    async def apply(self, session: AsyncSession, now: datetime) -> list[str]:
        """Mask what is past its time as of `now`; returns the complaint numbers masked."""
        if self.months <= 0:
            return []
        cutoff = months_before(now, self.months, self.tz)
        rows = await privacy_q.closed_before(session, cutoff, BATCH)
        for complaint in rows:
            await _mask(session, complaint, now)
        citizen_ids = list({c.citizen_id for c in rows})
        still = await privacy_q.citizens_with_unmasked(session, citizen_ids)
        for citizen in await privacy_q.citizens(session, [i for i in citizen_ids if i not in still]):
            citizen.name = MASKED_NAME
            citizen.phone = masked_phone(citizen.phone)
        calls = await mask_calls(session, cutoff, now)
        chats, messages = await mask_conversations(session, cutoff, now)
        if rows or calls or chats:
            log.info("retention: masked %d complaints, %d calls, %d WhatsApp conversations (%d messages)",
                     len(rows), calls, chats, messages)
        return [c.number for c in rows]


async def mask_calls(session: AsyncSession, cutoff: datetime, now: datetime, limit: int = BATCH) -> int:
    """Mask the numbers of call rows started before `cutoff`; returns how many."""
    rows = await retention_q.calls_before(session, cutoff, limit)
    for call in rows:
        call.caller = masked_phone(call.caller) if call.caller else ""
        if call.direction == OUTBOUND and call.dialed:  # the dialer's calls dial the citizen
            call.dialed = masked_phone(call.dialed)
        call.masked_at = now
    return len(rows)


async def mask_conversations(session: AsyncSession, cutoff: datetime, now: datetime,
                             limit: int = BATCH) -> tuple[int, int]:
    """Mask WhatsApp conversations closed before `cutoff` and their transcripts; returns
    (conversations, messages)."""
    rows = await retention_q.conversations_closed_before(session, cutoff, limit)
    if not rows:
        return 0, 0
    ids = [c.id for c in rows]
    for sent in await retention_q.outbound_of(session, ids):
        if sent.state not in ("pending", "sending"):  # never a reply still on its way
            sent.recipient = masked_phone(sent.recipient)
            sent.body = {}
    messages = await retention_q.blank_messages(session, ids)
    for conversation in rows:
        conversation.phone = masked_phone(conversation.phone)
        conversation.profile_name = ""
        conversation.data = {}
        conversation.masked_at = now
    return len(rows), messages


async def _mask(session: AsyncSession, complaint: Complaint, now: datetime) -> None:
    complaint.phone = masked_phone(complaint.phone)
    complaint.masked_at = now
    await service._event(session, complaint, service.SYSTEM, "mask", complaint.state, complaint.state, now,
                         {"fields": ["citizen.name", "phone"]})


def _row(obj: Any, tz: ZoneInfo, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for column in obj.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(obj, column.key)
        if isinstance(value, datetime):
            value = value.astimezone(tz).isoformat(timespec="seconds")
        elif isinstance(value, date):
            value = value.isoformat()
        out[column.key] = value
    return out


async def export_phone(session: AsyncSession, phone: str, who: service.Who, role: str, tz: ZoneInfo,
                       now: datetime | None = None) -> dict[str, Any]:
    """Everything held on one phone number; the export itself is recorded in the access audit."""
    now = now or service.utcnow()
    canonical = normalise_phone(phone)
    held = await privacy_q.held_on_phone(session, canonical)
    await record_access(session, who.name, role, "export", phone=canonical, now=now)
    out: dict[str, Any] = {"phone": canonical, "exported_at": now.astimezone(tz).isoformat(timespec="seconds")}
    for key, rows in held.items():
        out[key] = [_row(r, tz, skip=("password_hash",)) for r in rows]
    return out


async def record_access(session: AsyncSession, username: str, role: str, what: str, *,
                        complaint: Complaint | None = None, phone: str | None = None,
                        now: datetime | None = None) -> None:
    await privacy_q.add_access(session, DataAccess(
        at=now or service.utcnow(), username=username, role=role, what=what,
        complaint_id=complaint.id if complaint else None, phone=phone or (complaint.phone if complaint else None)))


async def accesses(session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo,
                   phone: str | None = None) -> list[dict[str, Any]]:
    canonical = normalise_phone(phone) if phone else None
    return [{"at": r.at.astimezone(tz).isoformat(timespec="seconds"), "username": r.username, "role": r.role,
             "what": r.what, "complaint_id": r.complaint_id, "phone": r.phone}
            for r in await privacy_q.accesses(session, start=start, end=end, phone=canonical)]
