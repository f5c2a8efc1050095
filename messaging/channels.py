"""The ways out this process has (from settings): the Graph API, the SMS gateway, a mail server.

`send()` turns one outbox row into one request on its channel and returns the provider's id,
or raises `SendError` (retryable or not). Protocol stays in whatsapp/ and sms/.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from messaging.mail import MailError, Mailer
from messaging.sms.gateway import SmsConfig, SmsError, SmsGateway
from messaging.whatsapp import payloads
from messaging.whatsapp.client import GraphClient, GraphError
from storage.models import OutboundMessage

WINDOW = timedelta(hours=24)


class SendError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class Channels:
    whatsapp: GraphClient | None = None
    sms: SmsGateway | None = None
    mail: Mailer | None = None
    template_prefix: str = "helpline_"

    @classmethod
    def from_settings(cls, settings: Any) -> "Channels":
        from config.settings import parse_pairs

        whatsapp = None
        if settings.whatsapp_enabled:
            whatsapp = GraphClient(api_url=settings.whatsapp_api_url, token=settings.whatsapp_token,
                                   phone_number_id=settings.whatsapp_phone_number_id,
                                   rate=settings.whatsapp_messages_per_second)
        sms = None
        if settings.sms_enabled:
            sms = SmsGateway(SmsConfig(url=settings.sms_url, api_key=settings.sms_api_key, sender=settings.sms_sender,
                                       entity_id=settings.sms_dlt_entity_id,
                                       templates=parse_pairs(settings.sms_dlt_templates)))
        mail = Mailer(settings.smtp_url, settings.mail_from) if settings.email_enabled else None
        return cls(whatsapp, sms, mail, settings.whatsapp_template_prefix)

    async def aclose(self) -> None:
        for client in (self.whatsapp, self.sms):
            if client is not None:
                await client.aclose()

    def has(self, channel: str) -> bool:
        return {"whatsapp": self.whatsapp, "sms": self.sms, "email": self.mail}.get(channel) is not None

    async def send(self, row: OutboundMessage, last_inbound_at: datetime | None, now: datetime) -> str:
        try:
            if row.channel == "whatsapp" and self.whatsapp is not None:
                payload = whatsapp_payload(row, last_inbound_at, now, self.template_prefix)
                return await self.whatsapp.send(payload)
            if row.channel == "sms" and self.sms is not None:
                return await self.sms.send(row.recipient, row.body.get("text", ""), row.purpose, f"helpline-{row.id}")
            if row.channel == "email" and self.mail is not None:
                return await self.mail.send(row.recipient, row.body.get("subject", ""), row.body.get("text", ""))
        except GraphError as exc:
            raise SendError(str(exc), retryable=exc.retryable) from exc
        except (SmsError, MailError) as exc:
            raise SendError(str(exc), retryable=exc.retryable) from exc
        raise SendError(f"channel {row.channel} is not configured", retryable=False)


def wa_number(phone: str) -> str:
    return phone.lstrip("+")


def whatsapp_payload(row: OutboundMessage, last_inbound_at: datetime | None, now: datetime,
                     prefix: str) -> dict[str, Any]:
    """Free-form inside the 24 h customer-service window, the approved template outside it."""
    body, to = row.body, wa_number(row.recipient)
    in_window = last_inbound_at is not None and now - last_inbound_at < WINDOW
    template = body.get("template")
    if not in_window and template:
        return payloads.template(to, prefix + template["name"], row.language, template.get("params", []),
                                 template.get("quick_replies", []))
    if body.get("buttons"):
        return payloads.buttons(to, body["text"], [tuple(b) for b in body["buttons"]])
    if body.get("list"):
        menu = body["list"]
        return payloads.list_menu(to, body["text"], menu["button"], [tuple(r) for r in menu["rows"]])
    return payloads.text(to, body.get("text", ""))
