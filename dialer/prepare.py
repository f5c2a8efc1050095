"""Right before a call: the checks that may stop it, and the attempt row that allows it.

One transaction: the runner's lease is confirmed (so a contact whose lease expired and went to
another runner is never dialled by this one), the do-not-call list and the per-number daily cap
(over every campaign) are checked again, a feedback complaint must still wait for feedback,
then the attempt is created (`originating`) and counted. Only then is the Originate sent.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialer import answers
from grievance.holidays import holiday_dates
from dialer.campaigns import CallingWindow, local_day_start, next_local_midnight
from dialer.results import close_unreachable
from grievance.service import Policy
from common.privacy import mask_phone
from storage.models import CallAttempt, Campaign, CampaignContact
from storage.queries import dialer as dialer_q

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "helpline-dialer-"


@dataclass(frozen=True, slots=True)
class Prepared:
    attempt_id: int
    channel_id: str
    complaint_number: str | None


def channel_id_for(attempt_id: int) -> str:
    """`helpline-dialer-<attempt>-<4 hex>`: Asterisk's Uniqueid of the call, unique per attempt."""
    return f"{CHANNEL_PREFIX}{attempt_id}-{secrets.token_hex(2)}"


async def prepare(session: AsyncSession, campaign: Campaign, contact: CampaignContact, owner: str, now: datetime,
                  lease: timedelta, tz: ZoneInfo, policy: Policy) -> Prepared | None:
    """The attempt to dial, or None when this contact is not to be called now (already handled)."""
    if not await dialer_q.confirm_lease(session, contact.id, owner, now, now + lease):
        log.info("dialer: contact %d is no longer leased to %s; skipped", contact.id, owner)
        return None
    if await dialer_q.is_dnc(session, contact.phone):
        log.info("dialer: %s is on the do-not-call list; contact %d not called", mask_phone(contact.phone), contact.id)
        await dialer_q.finish_contact(session, contact.id, state="dnc", outcome="dnc")
        if campaign.kind == "feedback":
            await close_unreachable(session, contact, policy, now, {"reason": "do-not-call"})
        return None
    complaint_number = None
    if campaign.kind == "feedback":
        found = await dialer_q.complaint_state(session, contact.complaint_id) if contact.complaint_id else None
        if found is None or found[1] not in answers.AWAITING_FEEDBACK:
            await dialer_q.finish_contact(session, contact.id, state="completed", outcome="not-eligible")
            return None
        complaint_number = found[0]
    if await dialer_q.attempts_since(session, contact.phone, local_day_start(now, tz)) >= campaign.daily_cap:
        tomorrow = next_local_midnight(now, tz)
        local = tomorrow.astimezone(tz).date()
        calendar = await holiday_dates(session, local, local + timedelta(days=400))
        opening = CallingWindow.of(campaign, calendar).next_opening(tomorrow, tz) or tomorrow
        log.info("dialer: %s reached the daily cap; contact %d moved to %s", mask_phone(contact.phone), contact.id,
                 opening.isoformat())
        await dialer_q.release(session, contact.id, owner, next_attempt_at=opening)
        return None
    attempt = await dialer_q.add_attempt(session, CallAttempt(
        campaign_id=campaign.id, contact_id=contact.id, number=contact.phone,
        channel_id=f"{CHANNEL_PREFIX}new-{secrets.token_hex(8)}", runner=owner, state="originating",
        started_at=now,
    ))
    attempt.channel_id = channel_id_for(attempt.id)
    await dialer_q.count_attempt(session, contact.id)
    await session.flush()
    return Prepared(attempt.id, attempt.channel_id, complaint_number)
