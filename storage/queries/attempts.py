"""Dialer call attempts as the answered call sees them: the attempt with its contact, campaign
and complaint; the attempt's answer time and result; survey answers."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallAttempt, Campaign, CampaignContact, Complaint, SurveyAnswer


@dataclass(frozen=True, slots=True)
class AttemptContext:
    attempt: CallAttempt
    contact: CampaignContact
    campaign: Campaign
    complaint: Complaint | None  # the complaint of a feedback contact


async def load(session: AsyncSession, attempt_id: int) -> AttemptContext | None:
    """The attempt, its contact, campaign and (for feedback contacts) complaint: one query."""
    stmt = (
        select(CallAttempt, CampaignContact, Campaign, Complaint)
        .join(CampaignContact, CampaignContact.id == CallAttempt.contact_id)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .outerjoin(Complaint, Complaint.id == CampaignContact.complaint_id)
        .where(CallAttempt.id == attempt_id)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    return AttemptContext(attempt=row[0], contact=row[1], campaign=row[2], complaint=row[3])


async def mark_answered(session: AsyncSession, attempt: CallAttempt, at: datetime) -> None:
    """Stamp the answer time once (the first flow to run on the answered call wins)."""
    if attempt.answered_at is None:
        attempt.answered_at = at
        await session.flush()


async def set_result(session: AsyncSession, attempt: CallAttempt, result: str) -> None:
    attempt.result = result
    await session.flush()


async def survey_answer(session: AsyncSession, attempt_id: int, question: str) -> SurveyAnswer | None:
    stmt = select(SurveyAnswer).where(SurveyAnswer.attempt_id == attempt_id, SurveyAnswer.question == question)
    return (await session.scalars(stmt)).first()


async def add_survey_answer(session: AsyncSession, answer: SurveyAnswer) -> SurveyAnswer:
    session.add(answer)
    await session.flush()
    return answer


async def survey_answers(session: AsyncSession, attempt_id: int) -> Sequence[SurveyAnswer]:
    stmt = select(SurveyAnswer).where(SurveyAnswer.attempt_id == attempt_id).order_by(SurveyAnswer.id)
    return (await session.scalars(stmt)).all()
