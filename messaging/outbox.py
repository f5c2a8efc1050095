"""Writing to the delivery outbox: a chat reply, a notification, an agent's reply.

A message is a row written in the caller's transaction (so a reply exists exactly when the
message it answers was taken, and a notice exactly when its event was decided); the delivery
worker sends it. `body` is channel-neutral: `text` always, and for WhatsApp optionally
`buttons` [[id, title]], `list` {button, rows [[id, title, description]]} and `template`
{name, params, quick_replies} (used outside the 24 h window).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.queries import outbox as outbox_q

CHAT = "chat"


@dataclass(frozen=True)
class Reply:
    """A chat message to send: text, optionally with reply buttons or a list to choose from."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    list_button: str = ""
    rows: tuple[tuple[str, str, str], ...] = ()

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text}
        if self.buttons:
            body["buttons"] = [list(b) for b in self.buttons]
        if self.rows:
            body["list"] = {"button": self.list_button, "rows": [list(r) for r in self.rows]}
        return body

    def plain(self) -> str:
        """The reply as text, choices numbered (for the transcript and for SMS)."""
        choices = [t for _, t in self.buttons] or [t for _, t, _ in self.rows]
        if not choices:
            return self.text
        return self.text + "\n" + "\n".join(f"• {c}" for c in choices)


@dataclass
class Message:
    dedupe_key: str
    channel: str
    recipient: str
    recipient_kind: str
    purpose: str
    language: str
    body: dict[str, Any]
    event_id: int | None = None
    complaint_id: int | None = None
    state: str = "pending"
    last_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def row(message: Message, now: datetime, due: datetime | None = None) -> dict[str, Any]:
    """The outbox row of a message."""
    return {
        "dedupe_key": message.dedupe_key[:160], "channel": message.channel, "recipient": message.recipient,
        "recipient_kind": message.recipient_kind, "purpose": message.purpose, "language": message.language,
        "body": message.body, "event_id": message.event_id, "complaint_id": message.complaint_id,
        "state": message.state, "attempts": 0, "next_attempt_at": due or now, "created_at": now,
        "last_error": message.last_error,
    }


async def put(session: AsyncSession, message: Message, now: datetime, due: datetime | None = None) -> int | None:
    """Add a message unless one with its key exists (the id, or None)."""
    return await outbox_q.add(session, row(message, now, due))


async def put_many(session: AsyncSession, messages: list[Message], now: datetime) -> dict[str, int]:
    """`put` for several messages in one statement: the new ids by (cut) dedupe key."""
    return await outbox_q.add_many(session, [row(m, now) for m in messages])
