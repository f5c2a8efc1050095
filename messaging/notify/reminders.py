"""Officers' daily reminders: what is due tomorrow, and the morning digest of what is overdue.

Each runs once a day at `HELPLINE_OFFICER_DIGEST_AT` (local), in one process whatever their
number: the process that records (job, date) in `scheduled_runs` first does it. One message
per officer and day (`due:<officer>:<date>`), listing complaint numbers (at most 20, then "…").
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from messaging.notify.notifier import load_names
from messaging.notify.recipients import Available, messages_for
from messaging.notify.rules import OFFICER, Notice
from messaging.outbox import put
from storage.db import Database
from storage.models import Complaint
from storage.queries import chat as chat_q
from storage.queries import notifier as notifier_q
from storage.queries import reference

log = logging.getLogger(__name__)
LISTED = 20


def numbers_text(complaints: Sequence[Complaint]) -> str:
    shown = ", ".join(c.number for c in complaints[:LISTED])
    return shown + (", …" if len(complaints) > LISTED else "")


class Reminders:
    def __init__(self, db: Database, available: Available, *, tz: ZoneInfo, at: time,
                 clock: Callable[[], datetime], on_new: Callable[[], None] = lambda: None, poll: float = 30.0) -> None:
        self.db, self.available, self.tz, self.at, self.clock, self.on_new = db, available, tz, at, clock, on_new
        self.poll = poll
        self.owner = f"reminders-{secrets.token_hex(4)}"

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # noqa: BLE001
                log.exception("reminders: failed; retrying")
            try:
                async with asyncio.timeout(self.poll):
                    await stop.wait()
            except TimeoutError:
                pass

    async def tick(self) -> int:
        """Run today's reminders if it is time and no process has; returns messages added."""
        now = self.clock()
        local = now.astimezone(self.tz)
        if local.time() < self.at:
            return 0
        day = local.date().isoformat()
        added = 0
        async with self.db.session_scope() as session:
            if not await notifier_q.claim_run(session, "officer-reminders", day, self.owner, now):
                return 0
            tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self.tz)
            due = await notifier_q.pending_due_between(session, tomorrow, tomorrow + timedelta(days=1))
            late = await notifier_q.overdue(session, now)
            added += await self._send(session, "due_tomorrow", due, day, now)
            added += await self._send(session, "overdue_digest", late, day, now)
        log.info("reminders for %s: %d message(s)", day, added)
        if added:
            self.on_new()
        return added

    async def _send(self, session, purpose: str, complaints: Sequence[Complaint], day: str, now: datetime) -> int:  # type: ignore[no-untyped-def]
        by_officer: dict[str, list[Complaint]] = defaultdict(list)
        for complaint in complaints:
            by_officer[complaint.officer_code or ""].append(complaint)
        officers = await reference.officers_by_code(session, by_officer)
        contacts = await chat_q.contacts(session, [o.phone for o in officers.values() if o.phone])
        names = await load_names(session)
        added = 0
        for code, items in sorted(by_officer.items()):
            officer = officers.get(code)
            if officer is None:
                continue
            contact = contacts.get(officer.phone or "")
            notice = Notice(OFFICER, purpose, {"count": len(items), "numbers": numbers_text(items)}, officer_code=code)
            for message in messages_for(notice, key=f"{purpose}:{code}:{day}", phone=officer.phone, email=officer.email,
                                        language=(contact.language if contact and contact.language else "hi"),
                                        contact=contact, available=self.available, names=names, tz=self.tz):
                if await put(session, message, now) is not None:
                    added += 1
        return added
