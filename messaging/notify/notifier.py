"""The notifier: reads new audit-trail rows in order and writes what they tell people to the outbox.

One pass, in one transaction: lock the cursor (PostgreSQL SKIP LOCKED: with several processes
one reads while the others skip), read the events after it, decide (rules.py), add one outbox
row per event and recipient (`ev:<event id>:<who>`, so a decision taken twice is one row), move
the cursor, commit. A crash before the commit leaves the cursor where it was: the events are
read again and their rows, already there or not, exist once.

Event ids come from a sequence, and on PostgreSQL a transaction can commit event N after
event N+1 is visible. The cursor therefore moves only over contiguous ids; a hole is waited for
(`gap_grace`, 30 s) before it is taken for a rolled-back transaction and passed.
"""
from __future__ import annotations

import asyncio
import logging
import time as clock_time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from messaging.notify import rules
from messaging.notify.recipients import Available, Names, messages_for
from messaging.outbox import put
from storage.db import Database
from storage.models import Complaint, ComplaintEvent
from storage.queries import chat as chat_q
from storage.queries import citizens as citizen_q
from storage.queries import notifier as notifier_q
from storage.queries import reference

log = logging.getLogger(__name__)
CURSOR = "events"


async def load_names(session) -> Names:  # type: ignore[no-untyped-def]
    rows: dict[str, tuple[str, str]] = {}
    for group in (await reference.departments(session), await reference.categories(session),
                  await reference.districts(session)):
        rows.update({r.code: (r.name_hi, r.name_en) for r in group})
    return Names(rows)


def facts(event: ComplaintEvent, complaint: Complaint) -> tuple[rules.EventFacts, rules.ComplaintFacts]:
    return (rules.EventFacts(event.id, event.action, event.from_state, event.to_state, event.detail or {}),
            rules.ComplaintFacts(complaint.number, complaint.officer_code, complaint.due_at, complaint.department_code,
                                 complaint.category_code, complaint.district_code, complaint.description,
                                 complaint.l2_report if complaint.level == 2 and complaint.l2_report else complaint.l1_report))


class Notifier:
    def __init__(self, db: Database, available: Available, *, tz: ZoneInfo, clock: Callable[[], datetime],
                 on_new: Callable[[], None] = lambda: None, batch: int = 200, poll: float = 1.0,
                 gap_grace: float = 30.0) -> None:
        self.db, self.available, self.tz, self.clock, self.on_new = db, available, tz, clock, on_new
        self.batch, self.poll, self.gap_grace = batch, poll, gap_grace
        self.decided = 0
        self._gap: tuple[int, float] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.pass_once()
            except Exception:  # noqa: BLE001 - keep reading the trail after a database hiccup
                log.exception("notifier: pass failed; retrying")
                busy = 0
            if busy:
                continue
            try:
                async with asyncio.timeout(self.poll):
                    await stop.wait()
            except TimeoutError:
                pass

    async def pass_once(self) -> int:
        """Decide on the next batch of events; returns how many events the cursor passed."""
        now = self.clock()
        added = 0
        async with self.db.session_scope() as session:
            cursor = await notifier_q.lock_cursor(session, CURSOR, now)
            if cursor is None:
                return 0
            pairs = await notifier_q.events_after(session, cursor.last_event_id, self.batch)
            if not pairs:
                return 0
            names = await load_names(session)
            decided = [(e, c, rules.decide(*facts(e, c))) for e, c in pairs]
            phones = {c.phone for _, c, notices in decided if notices}
            codes = {n.officer_code for _, _, ns in decided for n in ns if n.officer_code}
            officers = await reference.officers_by_code(session, codes)
            phones |= {o.phone for o in officers.values() if o.phone}
            contacts = await chat_q.contacts(session, list(phones))
            citizens = await citizen_q.by_ids(session, list({c.citizen_id for _, c, ns in decided if ns}))
            for event, complaint, notices in decided:
                for notice in notices:
                    for message in self._messages(event, complaint, notice, officers, contacts, citizens, names):
                        if await put(session, message, now) is not None:
                            added += 1
            passed = self._advance(cursor.last_event_id, [e.id for e, _ in pairs])
            cursor.last_event_id, cursor.updated_at = passed, now
        self.decided += added
        if added:
            self.on_new()
        return len([1 for e, _ in pairs if e.id <= passed])

    def _messages(self, event, complaint, notice, officers, contacts, citizens, names):  # type: ignore[no-untyped-def]
        key = f"ev:{event.id}:{notice.to}"
        if notice.to == rules.CITIZEN:
            contact = contacts.get(complaint.phone)
            citizen = citizens.get(complaint.citizen_id)
            language = (contact.language if contact and contact.language else None) or (citizen.language if citizen else "hi")
            return messages_for(notice, key=key, phone=complaint.phone, email=None, language=language, contact=contact,
                                available=self.available, names=names, tz=self.tz, event_id=event.id,
                                complaint_id=complaint.id)
        officer = officers.get(notice.officer_code or "")
        if officer is None:
            return []
        contact = contacts.get(officer.phone or "")
        return messages_for(notice, key=f"{key}:{officer.code}", phone=officer.phone, email=officer.email,
                            language=(contact.language if contact and contact.language else "hi"), contact=contact,
                            available=self.available, names=names, tz=self.tz, event_id=event.id,
                            complaint_id=complaint.id)

    def _advance(self, last: int, ids: list[int]) -> int:
        for event_id in ids:
            if event_id == last + 1:
                last = event_id
                self._gap = None
                continue
            now = clock_time.monotonic()
            if self._gap is None or self._gap[0] != last:
                self._gap = (last, now)
            if now - self._gap[1] < self.gap_grace:
                break
            log.info("notifier: events %d..%d never appeared (rolled back); passing them", last + 1, event_id - 1)
            last = event_id
            self._gap = None
        return last
