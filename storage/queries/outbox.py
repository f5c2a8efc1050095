"""The delivery outbox (`outbound_messages`): add once by key, claim with a lease, settle.

Two senders never send one row: a claim is PostgreSQL `FOR UPDATE SKIP LOCKED` then a lease,
or on SQLite a single UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING (one writer). A row
whose lease ran out while `sending` (its sender died) is claimable again.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboundMessage
from storage.queries.dialects import insert, is_pg

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"



async def add(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert one message unless its `dedupe_key` exists; the new id, or None when it existed."""
    stmt = (insert(session, OutboundMessage).values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboundMessage.id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_many(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    """`add` for several messages in one statement (every row with the same keys): the new ids by
    `dedupe_key`; a key that existed is left out."""
    if not rows:
        return {}
    stmt = (insert(session, OutboundMessage)  # one compiled statement, sent as one multi-row INSERT
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboundMessage.id, OutboundMessage.dedupe_key))
    return {key: row_id for row_id, key in (await session.execute(stmt, rows)).all()}


def _claimable(now: datetime) -> Any:
    return or_(and_(OutboundMessage.state == PENDING, OutboundMessage.next_attempt_at <= now),
               and_(OutboundMessage.state == SENDING, OutboundMessage.lease_until < now))


async def claim(session: AsyncSession, owner: str, now: datetime, lease_until: datetime,
                limit: int) -> Sequence[OutboundMessage]:
    due = (select(OutboundMessage.id).where(_claimable(now))
           .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id).limit(limit))
    if is_pg(session):
        ids = list((await session.scalars(due.with_for_update(skip_locked=True))).all())
        if not ids:
            return []
        chosen = OutboundMessage.id.in_(ids)
    else:
        chosen = OutboundMessage.id.in_(due.scalar_subquery())
    stmt = (update(OutboundMessage).where(chosen, _claimable(now))
            .values(state=SENDING, lease_owner=owner, lease_until=lease_until,
                    attempts=OutboundMessage.attempts + 1)
            .returning(OutboundMessage).execution_options(synchronize_session=False))
    rows = (await session.scalars(stmt)).all()
    return sorted(rows, key=lambda r: (r.next_attempt_at, r.id))


async def mark_sent(session: AsyncSession, message_id: int, owner: str, provider_id: str, now: datetime,
                    channel: str | None = None) -> bool:
    values: dict[str, Any] = {"state": SENT, "provider_id": provider_id[:128], "sent_at": now, "status": "sent",
                              "status_at": now, "lease_owner": None, "lease_until": None}
    if channel:
        values["channel"] = channel
    stmt = (update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.state == SENDING,
                   OutboundMessage.lease_owner == owner)
            .values(**values).execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def mark_sent_many(session: AsyncSession, sent: Sequence[tuple[int, str]], owner: str, now: datetime) -> int:
    """`mark_sent` for several (message id, provider id) in one executemany; how many were still
    this sender's (a row whose lease passed to another sender is left alone), or -1 where the
    driver does not count the rows of an executemany (asyncpg)."""
    if not sent:
        return 0
    table = OutboundMessage.__table__
    stmt = (update(table)
            .where(table.c.id == bindparam("b_id"), table.c.state == SENDING, table.c.lease_owner == owner)
            .values(state=SENT, provider_id=bindparam("b_provider"), sent_at=now, status="sent", status_at=now,
                    lease_owner=None, lease_until=None))
    result = await session.execute(stmt, [{"b_id": i, "b_provider": p[:128]} for i, p in sent])
    return result.rowcount if session.bind.dialect.supports_sane_multi_rowcount else -1


async def mark_retry(session: AsyncSession, message_id: int, owner: str, error: str, due: datetime) -> None:
    stmt = (update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.lease_owner == owner,
                   OutboundMessage.state == SENDING)
            .values(state=PENDING, next_attempt_at=due, last_error=error[:255], lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False))
    await session.execute(stmt)


async def mark_failed(session: AsyncSession, message_id: int, owner: str, error: str, now: datetime) -> None:
    stmt = (update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.lease_owner == owner,
                   OutboundMessage.state == SENDING)
            .values(state=FAILED, last_error=error[:255], status="failed", status_at=now,
                    lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False))
    await session.execute(stmt)


async def defer(session: AsyncSession, message_id: int, owner: str, due: datetime) -> None:
    """Put a claimed message back untried (quiet hours): its attempt does not count."""
    stmt = (update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.lease_owner == owner,
                   OutboundMessage.state == SENDING)
            .values(state=PENDING, next_attempt_at=due, lease_owner=None, lease_until=None,
                    attempts=OutboundMessage.attempts - 1)
            .execution_options(synchronize_session=False))
    await session.execute(stmt)


STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4, "deleted": 4}


async def record_status(session: AsyncSession, provider_id: str, status: str, at: datetime,
                        error: str = "") -> bool:
    """A delivery status from the webhook; statuses only move forward (sent → delivered → read)."""
    row = (await session.scalars(select(OutboundMessage).where(OutboundMessage.provider_id == provider_id)
                                 .limit(1))).first()
    if row is None:
        return False
    if STATUS_RANK.get(status, 0) >= STATUS_RANK.get(row.status or "", 0):
        row.status, row.status_at = status, at
        if status == "failed":
            row.last_error = (error or "failed after sending")[:255]
    return True


async def by_id(session: AsyncSession, message_id: int) -> OutboundMessage | None:
    return await session.get(OutboundMessage, message_id)


async def backlog(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Counts by channel and state, the oldest waiting message, delivery failures."""
    rows = (await session.execute(
        select(OutboundMessage.channel, OutboundMessage.state, func.count(), func.min(OutboundMessage.created_at))
        .group_by(OutboundMessage.channel, OutboundMessage.state))).all()
    undelivered = (await session.scalar(
        select(func.count()).select_from(OutboundMessage)
        .where(OutboundMessage.state == SENT, OutboundMessage.status == "failed"))) or 0
    return {"rows": [(c, s, n, oldest) for c, s, n, oldest in rows], "undelivered": undelivered}


async def recent_failures(session: AsyncSession, limit: int = 50) -> Sequence[OutboundMessage]:
    stmt = (select(OutboundMessage)
            .where(or_(OutboundMessage.state == FAILED,
                       and_(OutboundMessage.state == SENT, OutboundMessage.status == "failed"),
                       and_(OutboundMessage.state == PENDING, OutboundMessage.attempts > 0)))
            .order_by(OutboundMessage.id.desc()).limit(limit))
    return (await session.scalars(stmt)).all()


async def for_event(session: AsyncSession, event_id: int) -> Sequence[OutboundMessage]:
    return (await session.scalars(select(OutboundMessage).where(OutboundMessage.event_id == event_id)
                                  .order_by(OutboundMessage.id))).all()


async def retry_failed(session: AsyncSession, message_id: int, now: datetime) -> bool:
    stmt = (update(OutboundMessage).where(OutboundMessage.id == message_id, OutboundMessage.state == FAILED)
            .values(state=PENDING, next_attempt_at=now, attempts=0).execution_options(synchronize_session=False))
    return ((await session.execute(stmt)).rowcount or 0) == 1


async def switch_channel(session: AsyncSession, message_id: int, owner: str, channel: str, error: str,
                         now: datetime) -> None:
    """Send a claimed message by another channel instead, at once."""
    stmt = (update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.lease_owner == owner,
                   OutboundMessage.state == SENDING)
            .values(channel=channel, state=PENDING, next_attempt_at=now, attempts=0,
                    last_error=f"{error} (sent by {channel} instead)"[:255], lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False))
    await session.execute(stmt)
