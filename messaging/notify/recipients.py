"""Which channel reaches a person, and the outbox row that carries a notice to them.

A citizen is told by WhatsApp when the number has written to us (or opted in) and WhatsApp is
configured, else by SMS; a number that sent STOP is told nothing (the decision is still
recorded, as `skipped`). An officer the same way on the phone of their record, and by e-mail as
well when they have an address and mail is configured.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from messaging.notify import texts
from messaging.notify.rules import CITIZEN, Notice
from messaging.outbox import Message
from storage.models import MessageContact

FEEDBACK = "feedback_request"


class Available:
    def __init__(self, whatsapp: bool, sms: bool, email: bool) -> None:
        self.whatsapp, self.sms, self.email = whatsapp, sms, email


class Names:
    """Reference names by code, in both languages (departments, categories, districts)."""

    def __init__(self, rows: dict[str, tuple[str, str]]) -> None:
        self.rows = rows

    def of(self, code: str, language: str) -> str:
        hi, en = self.rows.get(code, (code, code))
        return hi if language == "hi" else en


def local_date(value: Any, tz: ZoneInfo) -> str:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%d-%m-%Y")
    try:
        return datetime.fromisoformat(str(value)).astimezone(tz).strftime("%d-%m-%Y")
    except ValueError:
        return str(value or "")


def localise(params: dict[str, Any], language: str, names: Names, tz: ZoneInfo) -> dict[str, Any]:
    out = dict(params)
    if "due" in out:
        out["due"] = local_date(out["due"], tz)
    for key in ("department", "category", "district"):
        if out.get(key):
            out[key] = names.of(str(out[key]), language)
    return out


def channel_for(phone: str | None, contact: MessageContact | None, available: Available,
                whatsapp_only: bool = False) -> str | None:
    if not phone:
        return None
    if available.whatsapp and contact is not None and contact.whatsapp:
        return "whatsapp"
    if whatsapp_only:
        return None
    return "sms" if available.sms else None


def messages_for(notice: Notice, *, key: str, phone: str | None, email: str | None, language: str,
                 contact: MessageContact | None, available: Available, names: Names, tz: ZoneInfo,
                 event_id: int | None = None, complaint_id: int | None = None) -> list[Message]:
    """The outbox rows for one notice to one person (none when no channel reaches them)."""
    language = texts.lang(language)
    params = localise(notice.params, language, names, tz)
    text = texts.render(notice.purpose, language, params)
    body: dict[str, Any] = {"text": text, "template": {"name": notice.purpose,
                                                       "params": texts.template_params(notice.purpose, params)}}
    if notice.purpose == FEEDBACK:
        choices = [(i.format(number=params["number"]), t) for i, t in texts.FEEDBACK_BUTTONS[language]]
        body.update(buttons=[list(c) for c in choices], whatsapp_only=True)
        body["template"]["quick_replies"] = [i for i, _ in choices]
    out: list[Message] = []
    channel = channel_for(phone, contact, available, notice.whatsapp_only)
    if channel is not None and phone:
        stopped = contact is not None and contact.stopped
        out.append(Message(key, channel, phone, notice.to, notice.purpose, language, body, event_id, complaint_id,
                           state="skipped" if stopped else "pending",
                           last_error="the citizen sent STOP" if stopped else None))
    if notice.to != CITIZEN and email and available.email:
        mail = {"text": text, "subject": texts.subject(notice.purpose, language, params)}
        out.append(Message(key + ":mail", "email", email, notice.to, notice.purpose, language, mail, event_id,
                           complaint_id))
    return out
