"""Campaigns and their contacts (the parts the grievance side needs: the feedback queue)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, CampaignContact

FEEDBACK_CAMPAIGN_KIND = "feedback"


async def standing_feedback_campaign(session: AsyncSession) -> Campaign | None:
    stmt = select(Campaign).where(Campaign.kind == FEEDBACK_CAMPAIGN_KIND).order_by(Campaign.id).limit(1)
    return (await session.scalars(stmt)).first()


async def add_campaign(session: AsyncSession, campaign: Campaign) -> Campaign:
    session.add(campaign)
    await session.flush()
    return campaign


async def add_contact(session: AsyncSession, contact: CampaignContact) -> CampaignContact:
    session.add(contact)
    await session.flush()
    return contact


async def open_contact_for_complaint(session: AsyncSession, campaign_id: int, complaint_id: int) -> CampaignContact | None:
    stmt = select(CampaignContact).where(
        CampaignContact.campaign_id == campaign_id,
        CampaignContact.complaint_id == complaint_id,
        CampaignContact.state == "queued",  # one being called may complete with the previous answer
    )
    return (await session.scalars(stmt)).first()


async def contacts_for_complaint(session: AsyncSession, complaint_id: int) -> list[CampaignContact]:
    stmt = select(CampaignContact).where(CampaignContact.complaint_id == complaint_id).order_by(CampaignContact.id)
    return list((await session.scalars(stmt)).all())


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def set_contact_state(session: AsyncSession, contact: CampaignContact, state: str, at: datetime) -> None:
    contact.state = state
    contact.next_attempt_at = at
    await session.flush()
