"""Campaign administration: listing, contact import, progress counts, results, do-not-call list."""
from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallAttempt, Campaign, CampaignChange, CampaignContact, DncNumber, SurveyAnswer

CHUNK = 900


async def list_campaigns(session: AsyncSession) -> Sequence[Campaign]:
    return (await session.scalars(select(Campaign).order_by(Campaign.id.desc()))).all()


async def set_state(session: AsyncSession, campaign: Campaign, state: str) -> None:
    campaign.state = state
    await session.flush()


async def existing_phones(session: AsyncSession, campaign_id: int) -> dict[str, int | None]:
    """Phone → row number of the contacts already in the campaign."""
    stmt = select(CampaignContact.phone, CampaignContact.row_number).where(CampaignContact.campaign_id == campaign_id)
    return {phone: row for phone, row in (await session.execute(stmt)).all()}


async def dnc_among(session: AsyncSession, phones: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = list(dict.fromkeys(phones))
    for i in range(0, len(unique), CHUNK):
        stmt = select(DncNumber.phone).where(DncNumber.phone.in_(unique[i:i + CHUNK]))
        found.update((await session.scalars(stmt)).all())
    return found


async def insert_contacts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    for i in range(0, len(rows), 2000):
        await session.execute(insert(CampaignContact), list(rows[i:i + 2000]))
    return len(rows)


async def cancel_queued(session: AsyncSession, campaign_id: int) -> int:
    stmt = (update(CampaignContact)
            .where(CampaignContact.campaign_id == campaign_id, CampaignContact.state == "queued")
            .values(state="cancelled").execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount or 0


async def contact_counts(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    stmt = (select(CampaignContact.state, func.count()).where(CampaignContact.campaign_id == campaign_id)
            .group_by(CampaignContact.state))
    return {state: int(n) for state, n in (await session.execute(stmt)).all()}


async def failed_by_reason(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    stmt = (select(CampaignContact.last_outcome, func.count())
            .where(CampaignContact.campaign_id == campaign_id, CampaignContact.state.in_(("failed", "dnc")))
            .group_by(CampaignContact.last_outcome))
    return {reason or "unknown": int(n) for reason, n in (await session.execute(stmt)).all()}


async def attempt_counts(session: AsyncSession, campaign_id: int) -> dict[str | None, int]:
    stmt = (select(CallAttempt.outcome, func.count()).where(CallAttempt.campaign_id == campaign_id)
            .group_by(CallAttempt.outcome))
    return {outcome: int(n) for outcome, n in (await session.execute(stmt)).all()}


async def result_counts(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    stmt = (select(CallAttempt.result, func.count())
            .where(CallAttempt.campaign_id == campaign_id, CallAttempt.result.is_not(None))
            .group_by(CallAttempt.result))
    return {result: int(n) for result, n in (await session.execute(stmt)).all()}


async def answer_counts(session: AsyncSession, campaign_id: int) -> list[tuple[str, str, str, int]]:
    """(question, digit, meaning, count) over every stored survey answer of the campaign."""
    stmt = (select(SurveyAnswer.question, SurveyAnswer.digit, SurveyAnswer.meaning, func.count())
            .join(CampaignContact, CampaignContact.id == SurveyAnswer.contact_id)
            .where(CampaignContact.campaign_id == campaign_id)
            .group_by(SurveyAnswer.question, SurveyAnswer.digit, SurveyAnswer.meaning)
            .order_by(SurveyAnswer.question, SurveyAnswer.digit))
    return [(q, d, m, int(n)) for q, d, m, n in (await session.execute(stmt)).all()]


async def contacts_page(session: AsyncSession, campaign_id: int, after_id: int, limit: int) -> Sequence[CampaignContact]:
    stmt = (select(CampaignContact).where(CampaignContact.campaign_id == campaign_id, CampaignContact.id > after_id)
            .order_by(CampaignContact.id).limit(limit))
    return (await session.scalars(stmt)).all()


async def answers_for_contacts(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, dict[str, SurveyAnswer]]:
    """contact → question → latest answer."""
    out: dict[int, dict[str, SurveyAnswer]] = {}
    if not contact_ids:
        return out
    stmt = (select(SurveyAnswer).where(SurveyAnswer.contact_id.in_(list(contact_ids)))
            .order_by(SurveyAnswer.contact_id, SurveyAnswer.at, SurveyAnswer.id))
    for answer in (await session.scalars(stmt)).all():
        out.setdefault(answer.contact_id, {})[answer.question] = answer
    return out


async def last_results(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, str]:
    """contact → result of its latest attempt that has one."""
    out: dict[int, str] = {}
    if not contact_ids:
        return out
    stmt = (select(CallAttempt.contact_id, CallAttempt.result)
            .where(CallAttempt.contact_id.in_(list(contact_ids)), CallAttempt.result.is_not(None))
            .order_by(CallAttempt.contact_id, CallAttempt.id))
    for contact_id, result in (await session.execute(stmt)).all():
        out[contact_id] = result
    return out


async def iter_contacts(session: AsyncSession, campaign_id: int, page: int = 1000) -> AsyncIterator[Sequence[CampaignContact]]:
    after = 0
    while True:
        rows = await contacts_page(session, campaign_id, after, page)
        if not rows:
            return
        yield rows
        after = rows[-1].id


# ---------------------------------------------------------------- do-not-call list

async def dnc_add(session: AsyncSession, phone: str, reason: str, at: datetime) -> DncNumber:
    row = await session.get(DncNumber, phone)
    if row is None:
        row = DncNumber(phone=phone, reason=reason, added_at=at)
        session.add(row)
    else:
        row.reason = reason
    await session.flush()
    return row


async def dnc_remove(session: AsyncSession, phone: str) -> bool:
    result = await session.execute(delete(DncNumber).where(DncNumber.phone == phone))
    return (result.rowcount or 0) == 1


async def dnc_list(session: AsyncSession, limit: int = 1000) -> Sequence[DncNumber]:
    return (await session.scalars(select(DncNumber).order_by(DncNumber.added_at.desc()).limit(limit))).all()


# --- the audit log of campaign rules (issue 14) ---------------------------------------------------


async def add_change(session: AsyncSession, change: CampaignChange) -> CampaignChange:
    session.add(change)
    await session.flush()
    return change


async def changes(session: AsyncSession, campaign_id: int) -> Sequence[CampaignChange]:
    stmt = select(CampaignChange).where(CampaignChange.campaign_id == campaign_id).order_by(CampaignChange.id)
    return (await session.scalars(stmt)).all()


async def answered_contacts(session: AsyncSession, contact_ids: Sequence[int]) -> set[int]:
    """The contacts with at least one answered attempt."""
    if not contact_ids:
        return set()
    stmt = (select(CallAttempt.contact_id).distinct()
            .where(CallAttempt.contact_id.in_(list(contact_ids)), CallAttempt.answered_at.is_not(None)))
    return set((await session.scalars(stmt)).all())


async def delete_draft(session: AsyncSession, campaign_id: int) -> None:
    """Remove a draft that was just created (its prompts could not be spoken): no contacts yet."""
    await session.execute(delete(CampaignChange).where(CampaignChange.campaign_id == campaign_id))
    await session.execute(delete(Campaign).where(Campaign.id == campaign_id, Campaign.state == "draft"))
