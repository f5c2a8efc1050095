"""`run_messaging(ctx, stop)`: the messaging component of `helpline serve`.

Runs in every process: the delivery worker (claims outbox rows), the notifier (reads the audit
trail; one process at a time holds its cursor), the officers' daily reminders (once a day in
one process), and chat upkeep (idle conversations, media). Without WhatsApp, SMS or mail
configured, the notifier still moves its cursor and nothing is sent. Puts "chat", "delivery"
and "notifier" in `ctx.services` while it runs.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from common.context import AppContext
from config.settings import parse_clock, parse_span
from grievance.errors import DomainError
from grievance.service import utcnow
from messaging.channels import Channels
from messaging.chat.intake import ChatIntake
from messaging.chat.upkeep import KeepFile, Upkeep
from messaging.delivery import Delivery
from messaging.notify.notifier import Notifier
from messaging.notify.recipients import Available
from messaging.notify.reminders import Reminders
from storage.queries import complaints as complaint_q

log = logging.getLogger(__name__)


def build(ctx: AppContext, *, clock: Callable[[], datetime] = utcnow, channels: Channels | None = None,
          keep: KeepFile | None = None, **options: Any) -> dict[str, Any]:
    settings = ctx.settings
    channels = channels or Channels.from_settings(settings)
    quiet = parse_span(settings.quiet_hours) if settings.quiet_hours.strip() else None
    available = Available(whatsapp=channels.whatsapp is not None, sms=channels.sms is not None,
                          email=channels.mail is not None)
    delivery = Delivery(ctx.db, channels, tz=ctx.tz, quiet=quiet, clock=clock, **options.get("delivery", {}))
    parts = {
        "channels": channels,
        "delivery": delivery,
        "notifier": Notifier(ctx.db, available, tz=ctx.tz, clock=clock, on_new=delivery.wake,
                             **options.get("notifier", {})),
        "reminders": Reminders(ctx.db, available, tz=ctx.tz, at=parse_clock(settings.officer_digest_at), clock=clock,
                               on_new=delivery.wake, **options.get("reminders", {})),
        "upkeep": Upkeep(ctx.db, clock, graph=channels.whatsapp, keep=keep or keeper(ctx),
                         **options.get("upkeep", {})),
        "chat": ChatIntake(ctx.db, ctx.policy, ctx.tz, clock),
    }
    return parts


def keeper(ctx: AppContext) -> KeepFile | None:
    """How a chat's photo or voice note is kept on its complaint: the channel-neutral attachments
    service of the app context (`ctx.attachments`), as the officer's page and the API use it."""
    attachments = getattr(ctx, "attachments", None)
    if attachments is None:
        return None

    async def keep(session: Any, complaint_id: int, data: bytes, mime: str, name: str, now: datetime) -> int:
        complaint = await complaint_q.by_id(session, complaint_id)
        if complaint is None:
            raise ValueError(f"complaint {complaint_id} is gone")
        try:
            row = await attachments.add(session, complaint, data, original_name=name, added_by="whatsapp",
                                        actor_kind="chat", channel="whatsapp", now=now)
        except DomainError as exc:  # too large, a type not kept, too many: not retried
            raise ValueError(exc.message) from exc
        return int(row.id)

    return keep


async def run_messaging(ctx: AppContext, stop: asyncio.Event, **kw: Any) -> None:
    parts = build(ctx, **kw)
    settings = ctx.settings
    log.info("messaging: WhatsApp %s, SMS %s, e-mail %s",
             "on" if parts["channels"].whatsapp else "off (HELPLINE_WHATSAPP_TOKEN/_PHONE_NUMBER_ID unset)",
             "on" if parts["channels"].sms else "off (HELPLINE_SMS_URL unset)",
             "on" if parts["channels"].mail else "off" if not settings.smtp_url else "off (HELPLINE_MAIL_FROM unset)")
    for name in ("chat", "delivery", "notifier"):
        ctx.services[name] = parts[name]
    try:
        async with asyncio.TaskGroup() as tg:
            for name in ("delivery", "notifier", "reminders", "upkeep"):
                tg.create_task(parts[name].run(stop))
    finally:
        for name in ("chat", "delivery", "notifier"):
            ctx.services.pop(name, None)
        await parts["channels"].aclose()
