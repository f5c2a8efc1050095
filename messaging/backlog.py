"""What supervisors see of messaging: the outbox by channel and state, the oldest waiting
message, failures (with the reason, numbers masked), WhatsApp conversations waiting."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import NotFound
from common.privacy import mask_phone
from storage.queries import chat as chat_q
from storage.queries import outbox as outbox_q

STATES = ("pending", "sending", "sent", "failed", "skipped")


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


async def backlog(session: AsyncSession, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    data = await outbox_q.backlog(session, now)
    channels: dict[str, dict[str, int]] = {}
    oldest_waiting: datetime | None = None
    for channel, state, count, oldest in data["rows"]:
        channels.setdefault(channel, {s: 0 for s in STATES})[state] = count
        if state in ("pending", "sending") and oldest is not None:
            oldest_waiting = oldest if oldest_waiting is None else min(oldest_waiting, oldest)
    failures = [{"id": m.id, "channel": m.channel, "to": mask_phone(m.recipient), "purpose": m.purpose,
                 "state": m.state, "status": m.status, "attempts": m.attempts, "error": m.last_error,
                 "created_at": _iso(m.created_at, tz), "next_attempt_at": _iso(m.next_attempt_at, tz)}
                for m in await outbox_q.recent_failures(session)]
    conversations = await chat_q.counts(session)
    oldest_queued = await chat_q.oldest_queued(session)
    return {
        "channels": channels,
        "waiting": sum(c["pending"] + c["sending"] for c in channels.values()),
        "failed": sum(c["failed"] for c in channels.values()),
        "undelivered": data["undelivered"],
        "oldest_waiting_s": int((now - oldest_waiting).total_seconds()) if oldest_waiting else 0,
        "conversations": {"bot": conversations.get("bot", 0), "queued": conversations.get("queued", 0),
                          "agent": conversations.get("agent", 0)},
        "oldest_queued_s": int((now - oldest_queued).total_seconds()) if oldest_queued else 0,
        "failures": failures,
    }


async def retry(session: AsyncSession, message_id: int, now: datetime) -> None:
    if not await outbox_q.retry_failed(session, message_id, now):
        raise NotFound(f"no failed message {message_id}", id=message_id)
