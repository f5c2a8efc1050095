"""callback-request: a caller waiting for an agent asks to be called back.

Reads the caller id (the number to call back), the channel's language, HELPLINE_QUEUE,
HELPLINE_QUEUE_JOINED (Unix time the caller first joined the queue: callbacks are made in
this order, so the caller keeps their place) and CHANNEL(linkedid); the argument is the
reason (ivr.variables.CALLBACK_REASONS), logged. A number that already has an open request
gets no second one: the open request is kept, with the earlier of the two join times.
HELPLINE_CALLBACK is set to the request's id; the dialplan then plays the confirmation and
hangs up. Without a usable caller id nothing is stored and HELPLINE_CALLBACK stays empty, so
the dialplan says so and puts the caller back in the queue.

The "one open request per number" check runs in the request's transaction without a unique
index: one phone is in one queue at a time, so two requests at the same instant do not occur
in practice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from common.privacy import mask_phone
from ivr import variables as v
from ivr.fastagi import AgiChannel
from ivr.flows.common import FlowDeps, caller_phone, language, logger
from storage.models import CallbackRequest
from storage.queries import callbacks as callback_q

MAX_QUEUE_AGE = timedelta(days=1)
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CallbackResult:
    request: CallbackRequest
    created: bool


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    reason = (channel.args[0] if channel.args else "")[:32]
    phone = caller_phone(channel)
    if phone is None:
        logger.warning("callback-request %s: no usable caller id (%s), nothing stored", channel.uniqueid,
                       mask_phone(channel.caller) or "unknown")
        return
    queue = (await channel.get_variable(v.QUEUE) or "")[:64] or None
    joined_raw = await channel.get_variable(v.QUEUE_JOINED) or ""
    linkedid = (await channel.get_variable("CHANNEL(linkedid)") or channel.uniqueid)[:64] or None
    now = deps.clock()
    async with deps.db.session_scope() as session:
        result = await request_callback(session, phone, language(channel), queue, linkedid,
                                        queue_joined_at(joined_raw, now), now)
        request_id = result.request.id
    await channel.set_variable(v.CALLBACK, str(request_id))
    logger.info("callback-request %s: caller %s queue=%s reason=%s request=%d %s", channel.uniqueid,
                mask_phone(phone), queue, reason or "-", request_id, "stored" if result.created else "already open")


async def request_callback(session: AsyncSession, phone: str, lang: str, queue: str | None, linkedid: str | None,
                           joined_at: datetime | None, now: datetime) -> CallbackResult:
    """Store a callback request, or keep the number's open one (earliest join time wins)."""
    existing = await callback_q.open_for_phone(session, phone)
    if existing is not None:
        if joined_at is not None and (existing.queue_joined_at is None or joined_at < existing.queue_joined_at):
            existing.queue_joined_at = joined_at
        existing.kind = "request"  # an abandoned call of this number, now asked for explicitly
        await session.flush()
        return CallbackResult(existing, created=False)
    request = await callback_q.add(session, CallbackRequest(
        phone=phone, language=lang, queue=queue, linkedid=linkedid, queue_joined_at=joined_at or now,
        requested_at=now, state=callback_q.OPEN,
    ))
    return CallbackResult(request, created=True)


def queue_joined_at(raw: str, now: datetime) -> datetime | None:
    """HELPLINE_QUEUE_JOINED (Unix seconds) as a time, or None if missing or implausible."""
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 12:
        return None
    at = datetime.fromtimestamp(int(raw), timezone.utc)
    if at > now + CLOCK_SKEW or at < now - MAX_QUEUE_AGE:
        return None
    return at
