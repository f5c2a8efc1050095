"""The dialer's work queue: claiming contacts with a lease, attempts, their settlement.

Every change that two runners could race on is one conditional statement (compare and set):
a claim (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite a single UPDATE … WHERE id IN (SELECT …
LIMIT n) RETURNING, atomic because SQLite has one writer), confirming a lease before an
attempt is created, ending an attempt only while it is still open.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CallAttempt, Campaign, CampaignContact, Complaint, DncNumber

OPEN_ATTEMPT_STATES = ("originating", "originated")
QUEUED, IN_PROGRESS = "queued", "in_progress"


def _is_pg(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def dialable_campaigns(session: AsyncSession) -> Sequence[Campaign]:
    """Campaigns in state running or scheduled (the runner starts scheduled ones when due)."""
    stmt = select(Campaign).where(Campaign.state.in_(("running", "scheduled"))).order_by(Campaign.id)
    return (await session.scalars(stmt)).all()


async def hold_campaign(session: AsyncSession, campaign_id: int, runner: str, now: datetime,
                        until: datetime) -> bool:
    """Take or renew the campaign for `runner` (True) unless another runner holds it unexpired."""
    stmt = (update(Campaign)
            .where(Campaign.id == campaign_id,
                   or_(Campaign.runner.is_(None), Campaign.runner == runner, Campaign.runner_until < now))
            .values(runner=runner, runner_until=until).execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def let_go_campaign(session: AsyncSession, campaign_id: int, runner: str) -> None:
    stmt = (update(Campaign).where(Campaign.id == campaign_id, Campaign.runner == runner)
            .values(runner=None, runner_until=None).execution_options(synchronize_session=False))
    await session.execute(stmt)


async def others_open_attempts(session: AsyncSession, campaign_id: int, runner: str, ringing_since: datetime,
                               answered_since: datetime) -> int:
    """Open attempts of other runners whose call may still hold a channel: ringing (started after
    `ringing_since`) or answered (started after `answered_since`)."""
    stmt = select(func.count()).select_from(CallAttempt).where(
        CallAttempt.campaign_id == campaign_id, CallAttempt.runner != runner,
        CallAttempt.state.in_(OPEN_ATTEMPT_STATES),
        or_(CallAttempt.started_at > ringing_since,
            and_(CallAttempt.answered_at.is_not(None), CallAttempt.started_at > answered_since)))
    return int((await session.scalar(stmt)) or 0)


async def start_due_scheduled(session: AsyncSession, now: datetime) -> int:
    stmt = (update(Campaign).where(Campaign.state == "scheduled", Campaign.scheduled_at <= now)
            .values(state="running").execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount or 0


async def claim(session: AsyncSession, campaign_id: int, owner: str, now: datetime, lease_until: datetime,
                limit: int) -> Sequence[CampaignContact]:
    """Lease up to `limit` due queued contacts of a campaign to `owner`; no two owners get one.

    PostgreSQL: the due rows are locked with SKIP LOCKED first (a concurrent claimer skips
    them), then leased, in the caller's transaction. SQLite: one UPDATE … WHERE id IN
    (SELECT … LIMIT n), atomic since SQLite has a single writer.
    """
    due = select(CampaignContact.id).where(
        CampaignContact.campaign_id == campaign_id, CampaignContact.state == QUEUED,
        CampaignContact.next_attempt_at <= now,
    ).order_by(CampaignContact.next_attempt_at, CampaignContact.id).limit(limit)
    if _is_pg(session):
        ids = list((await session.scalars(due.with_for_update(skip_locked=True))).all())
        if not ids:
            return []
        chosen = CampaignContact.id.in_(ids)
    else:
        chosen = CampaignContact.id.in_(due.scalar_subquery())
    stmt = (
        update(CampaignContact)
        .where(chosen, CampaignContact.state == QUEUED)
        .values(state=IN_PROGRESS, lease_owner=owner, lease_until=lease_until)
        .returning(CampaignContact)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.scalars(stmt)).all()
    return sorted(rows, key=lambda c: (c.next_attempt_at, c.id))


async def confirm_lease(session: AsyncSession, contact_id: int, owner: str, now: datetime,
                        lease_until: datetime) -> bool:
    """Extend `owner`'s lease on one contact if it still holds it (True), else False."""
    stmt = (update(CampaignContact)
            .where(CampaignContact.id == contact_id, CampaignContact.state == IN_PROGRESS,
                   CampaignContact.lease_owner == owner, CampaignContact.lease_until > now)
            .values(lease_until=lease_until).execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def renew_leases(session: AsyncSession, owner: str, contact_ids: Sequence[int], lease_until: datetime) -> int:
    if not contact_ids:
        return 0
    stmt = (update(CampaignContact)
            .where(CampaignContact.id.in_(list(contact_ids)), CampaignContact.lease_owner == owner,
                   CampaignContact.state == IN_PROGRESS)
            .values(lease_until=lease_until).execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount or 0


async def release(session: AsyncSession, contact_id: int, owner: str, next_attempt_at: datetime | None = None) -> bool:
    """Give a leased contact back to the queue without an attempt (not dialled)."""
    values: dict[str, object] = {"state": QUEUED, "lease_owner": None, "lease_until": None}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    stmt = (update(CampaignContact)
            .where(CampaignContact.id == contact_id, CampaignContact.lease_owner == owner,
                   CampaignContact.state == IN_PROGRESS)
            .values(**values).execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def finish_contact(session: AsyncSession, contact_id: int, *, state: str, outcome: str | None,
                         next_attempt_at: datetime | None = None) -> None:
    values: dict[str, object] = {"state": state, "lease_owner": None, "lease_until": None}
    if outcome is not None:
        values["last_outcome"] = outcome
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    stmt = (update(CampaignContact).where(CampaignContact.id == contact_id).values(**values)
            .execution_options(synchronize_session=False))
    await session.execute(stmt)


async def requeue_stranded(session: AsyncSession, now: datetime) -> int:
    """Contacts whose runner's lease expired before any attempt was created go back to the queue."""
    open_attempt = exists().where(CallAttempt.contact_id == CampaignContact.id,
                                  CallAttempt.state.in_(OPEN_ATTEMPT_STATES))
    stmt = (update(CampaignContact)
            .where(CampaignContact.state == IN_PROGRESS, CampaignContact.lease_until < now, ~open_attempt)
            .values(state=QUEUED, lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False))
    return (await session.execute(stmt)).rowcount or 0


async def stale_attempts(session: AsyncSession, now: datetime, started_before: datetime,
                         limit: int = 500) -> Sequence[int]:
    """Open attempts of dead runners: the contact's lease expired and the call is long over."""
    stmt = (select(CallAttempt.id)
            .join(CampaignContact, CampaignContact.id == CallAttempt.contact_id)
            .where(CallAttempt.state.in_(OPEN_ATTEMPT_STATES), CallAttempt.started_at < started_before,
                   CampaignContact.state == IN_PROGRESS, CampaignContact.lease_until < now)
            .order_by(CallAttempt.id).limit(limit))
    return (await session.scalars(stmt)).all()


async def is_dnc(session: AsyncSession, phone: str) -> bool:
    return (await session.get(DncNumber, phone)) is not None


async def attempts_since(session: AsyncSession, number: str, since: datetime) -> int:
    stmt = select(func.count()).select_from(CallAttempt).where(CallAttempt.number == number,
                                                               CallAttempt.started_at >= since)
    return int((await session.scalar(stmt)) or 0)


async def complaint_state(session: AsyncSession, complaint_id: int) -> tuple[str, str] | None:
    row = (await session.execute(select(Complaint.number, Complaint.state).where(Complaint.id == complaint_id))).first()
    return None if row is None else (row[0], row[1])


async def add_attempt(session: AsyncSession, attempt: CallAttempt) -> CallAttempt:
    session.add(attempt)
    await session.flush()
    return attempt


async def count_attempt(session: AsyncSession, contact_id: int) -> None:
    stmt = (update(CampaignContact).where(CampaignContact.id == contact_id)
            .values(attempts=CampaignContact.attempts + 1).execution_options(synchronize_session=False))
    await session.execute(stmt)


async def mark_originated(session: AsyncSession, attempt_ids: Collection[int]) -> None:
    """Open attempts whose Originate Asterisk accepted (already ended ones stay ended)."""
    stmt = (update(CallAttempt).where(CallAttempt.id.in_(list(attempt_ids)), CallAttempt.state == "originating")
            .values(state="originated").execution_options(synchronize_session=False))
    await session.execute(stmt)


async def end_attempt(session: AsyncSession, attempt_id: int, *, outcome: str, cause: int | None,
                      at: datetime) -> bool:
    """Close an open attempt with its outcome; False when it was already closed (by anyone)."""
    stmt = (update(CallAttempt)
            .where(CallAttempt.id == attempt_id, CallAttempt.state.in_(OPEN_ATTEMPT_STATES))
            .values(state="ended", outcome=outcome, hangup_cause=cause, ended_at=at)
            .execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def attempt_with_contact(session: AsyncSession, attempt_id: int
                               ) -> tuple[CallAttempt, CampaignContact, Campaign] | None:
    stmt = (select(CallAttempt, CampaignContact, Campaign)
            .join(CampaignContact, CampaignContact.id == CallAttempt.contact_id)
            .join(Campaign, Campaign.id == CallAttempt.campaign_id)
            .where(CallAttempt.id == attempt_id)
            .execution_options(populate_existing=True))
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1], row[2])


async def open_contacts(session: AsyncSession, campaign_id: int) -> int:
    stmt = select(func.count()).select_from(CampaignContact).where(
        CampaignContact.campaign_id == campaign_id, CampaignContact.state.in_((QUEUED, IN_PROGRESS)))
    return int((await session.scalar(stmt)) or 0)


async def complete_if_done(session: AsyncSession, campaign_id: int) -> bool:
    """A running survey campaign with no queued or leased contact left becomes completed."""
    pending = exists().where(and_(CampaignContact.campaign_id == campaign_id,
                                  CampaignContact.state.in_((QUEUED, IN_PROGRESS))))
    stmt = (update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.state == "running", Campaign.kind != "feedback", ~pending)
            .values(state="completed").execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def attempt_result(session: AsyncSession, attempt_id: int) -> tuple[str | None, datetime | None]:
    """The answered call's result and answer time, as the AGI flow stored them."""
    row = (await session.execute(select(CallAttempt.result, CallAttempt.answered_at)
                                 .where(CallAttempt.id == attempt_id))).first()
    return (None, None) if row is None else (row[0], row[1])
