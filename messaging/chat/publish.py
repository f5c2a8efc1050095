"""Telling the agents' WhatsApp pages that a conversation changed (through the CTI hub, so every
`helpline serve` process's sockets hear it). The page then fetches what changed."""
from __future__ import annotations

from typing import Any

WHATSAPP_KEY = "whatsapp"


def announce(ctx: Any, result: Any) -> None:
    if not result.events:
        return
    changed(ctx, result.conversation_id, result.state)


def changed(ctx: Any, conversation_id: int | None, state: str) -> None:
    hub = ctx.services.get("hub")
    if hub is None or conversation_id is None:
        return
    hub.publish(WHATSAPP_KEY, {"type": "chat.changed", "conversation": conversation_id, "state": state})
