"""The delivery worker: claims due outbox rows, sends each on its channel, records the outcome.

Runs in every `helpline serve` process; a row is claimed by one process (lease) and sent once.
A temporary failure (gateway down, rate limit) puts the row back with exponential backoff
(30 s, 1 min, 2 min … at most 1 h) until `max_attempts`, then it is `failed` (shown to
supervisors, who can retry it). A WhatsApp notification refused for good (not a WhatsApp
user, template missing) goes by SMS instead when SMS is configured. Notifications wait for the
end of quiet hours; chat replies do not (the citizen just wrote). A row whose sender died in the
middle of a send is sent again when its lease runs out (at least once; see docs/messaging.md).
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from common.privacy import mask_phone
from messaging.channels import Channels, SendError
from messaging.outbox import CHAT
from messaging.quiet import quiet_until
from storage.db import Database
from storage.models import OutboundMessage
from storage.queries import chat as chat_q
from storage.queries import outbox as outbox_q

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class Delivery:
    def __init__(self, db: Database, channels: Channels, *, tz: ZoneInfo, quiet: tuple[time, time] | None,
                 clock: Callable[[], datetime], batch: int = 50, lease: float = 120.0, max_attempts: int = 12,
                 poll: float = 1.0, concurrency: int = 16) -> None:
        self.db, self.channels, self.tz, self.quiet, self.clock = db, channels, tz, quiet, clock
        self.batch, self.lease, self.max_attempts, self.poll = batch, lease, max_attempts, poll
        self.owner = f"delivery-{secrets.token_hex(4)}"
        self.sent = 0
        self.errors = 0
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.pass_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end delivery
                log.exception("delivery: pass failed; retrying")
                busy = 0
            if busy:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def pass_once(self) -> int:
        now = self.clock()
        async with self.db.session_scope() as session:
            rows = list(await outbox_q.claim(session, self.owner, now, now + timedelta(seconds=self.lease), self.batch))
            phones = [r.recipient for r in rows if r.channel == "whatsapp"]
            contacts = await chat_q.contacts(session, phones)
        if not rows:
            return 0
        windows = {p: c.last_inbound_at for p, c in contacts.items()}
        outcomes = await asyncio.gather(*(self._send(row, windows.get(row.recipient)) for row in rows))
        # one transaction settles the whole batch: the database sees one writer per pass, not one per
        # message, and the sent ones (nearly all) are marked in one statement
        sent = [(row.id, outcome) for row, outcome in zip(rows, outcomes) if isinstance(outcome, str)]
        async with self.db.session_scope() as session:
            for row, outcome in zip(rows, outcomes):
                if not isinstance(outcome, str):
                    await self._settle(session, row, outcome)
            marked = await outbox_q.mark_sent_many(session, sent, self.owner, self.clock())
        self.sent += len(sent)
        if 0 <= marked != len(sent):
            log.warning("delivery: %d of %d messages were sent but their lease had passed to another sender",
                        len(sent) - marked, len(sent))
        return len(rows)

    async def _send(self, row: OutboundMessage, last_inbound_at: datetime | None) -> str | datetime | SendError:
        """The provider's id, the end of quiet hours (not sent), or the error."""
        now = self.clock()
        quiet_end = quiet_until(now, self.quiet, self.tz) if row.purpose != CHAT else None
        if quiet_end is not None:
            return quiet_end
        async with self._limit:
            try:
                return await self.channels.send(row, last_inbound_at, now)
            except SendError as exc:
                return exc
            except Exception as exc:  # noqa: BLE001 - an unexpected error is a retryable failure
                log.exception("delivery: message %s failed unexpectedly", row.id)
                return SendError(f"unexpected: {type(exc).__name__}", retryable=True)

    async def _settle(self, session, row: OutboundMessage, outcome: datetime | SendError) -> None:  # type: ignore[no-untyped-def]
        now = self.clock()
        if isinstance(outcome, datetime):
            await outbox_q.defer(session, row.id, self.owner, outcome)
        else:
            self.errors += 1
            await self._failed(session, row, outcome, now)

    async def _failed(self, session, row: OutboundMessage, exc: SendError, now: datetime) -> None:  # type: ignore[no-untyped-def]
        reason = str(exc)
        if not exc.retryable and row.channel == "whatsapp" and row.purpose != CHAT \
                and self.channels.has("sms") and not row.body.get("whatsapp_only"):
            log.warning("delivery: WhatsApp refused message %s to %s (%s); sending it by SMS",
                        row.id, mask_phone(row.recipient), reason)
            await outbox_q.switch_channel(session, row.id, self.owner, "sms", reason, now)
        elif exc.retryable and row.attempts < self.max_attempts:
            due = now + backoff(row.attempts)
            log.warning("delivery: %s message %s to %s failed (%s); attempt %d, next at %s", row.channel, row.id,
                        mask_phone(row.recipient), reason, row.attempts, due.isoformat(timespec="seconds"))
            await outbox_q.mark_retry(session, row.id, self.owner, reason, due)
        else:
            log.error("delivery: %s message %s to %s failed for good: %s", row.channel, row.id,
                      mask_phone(row.recipient), reason)
            await outbox_q.mark_failed(session, row.id, self.owner, reason, now)
