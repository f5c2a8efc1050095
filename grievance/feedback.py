"""Every disposal queues a feedback call in the standing complaint-feedback campaign."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, CampaignContact, Complaint
from storage.queries import campaigns as campaign_q
from storage.queries import citizens as citizen_q

FEEDBACK_CAMPAIGN_NAME = "Complaint feedback"


class FeedbackRules(Protocol):
    """What the standing campaign takes from settings (grievance.service.Policy has these)."""

    calling_window: tuple[str, str]
    feedback_max_attempts: int


async def feedback_campaign(session: AsyncSession, now: datetime, rules: FeedbackRules | None = None) -> Campaign:
    """The standing feedback campaign, created (running; window and attempts from settings) on first use.

    Supervisors may change its rules afterwards like any campaign's.
    """
    campaign = await campaign_q.standing_feedback_campaign(session)
    if campaign is None:
        start, end = rules.calling_window if rules else ("09:00", "21:00")
        campaign = await campaign_q.add_campaign(session, Campaign(
            name=FEEDBACK_CAMPAIGN_NAME, kind=campaign_q.FEEDBACK_CAMPAIGN_KIND, state="running",
            window_start=start, window_end=end, days="0123456", holidays=[], max_channels=30,
            calls_per_second=2.0, max_attempts=rules.feedback_max_attempts if rules else 3,
            retry_minutes={"no_answer": 120, "busy": 30, "congestion": 15, "failed": 60},
            daily_cap=2, survey=[], created_by="system", created_at=now,
        ))
    return campaign


async def enqueue_feedback_call(session: AsyncSession, complaint: Complaint, due: datetime, now: datetime,
                                rules: FeedbackRules | None = None) -> CampaignContact:
    campaign = await feedback_campaign(session, now, rules)
    existing = await campaign_q.open_contact_for_complaint(session, campaign.id, complaint.id)
    if existing is not None:
        existing.next_attempt_at = due
        existing.attempts = 0
        return existing
    citizen = await citizen_q.by_id(session, complaint.citizen_id)
    return await campaign_q.add_contact(session, CampaignContact(
        campaign_id=campaign.id, phone=complaint.phone, name=citizen.name if citizen else "",
        district=complaint.district_code, complaint_id=complaint.id,
        language=citizen.language if citizen else "hi", state="queued", attempts=0,
        next_attempt_at=due, extra={"complaint": complaint.number},
    ))


async def note_unanswered_call(session: AsyncSession, complaint: Complaint, now: datetime,
                               detail: dict[str, object]) -> None:
    """Write `feedback_call_failed` in the complaint's history (no change of state): the first
    feedback call went unanswered. The notifier turns it into a feedback request by WhatsApp."""
    from storage.models import ComplaintEvent
    from storage.queries import complaints as complaint_q

    await complaint_q.add_event(session, ComplaintEvent(
        complaint_id=complaint.id, at=now, actor_kind="dialer", actor="dialer", action="feedback_call_failed",
        from_state=complaint.state, to_state=complaint.state, detail=detail))
