"""Cloud API webhook payloads (`object: whatsapp_business_account`) → typed messages and statuses.

Sans-I/O: bytes in, an `Update` out, or `BadPayload` with a reason. Only what a helpline needs
is read: the sender, the message id, text, the id of a chosen button or list row (interactive
replies and template quick-reply buttons), media (image, audio/voice, video, document, sticker)
and delivery statuses. Anything else is returned as kind `other` so it is never dropped silently.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_BODY = 1_000_000
MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
STATUSES = ("sent", "delivered", "read", "failed", "deleted")


class BadPayload(ValueError):
    """The body is not a Cloud API webhook update."""


@dataclass(frozen=True, slots=True)
class Inbound:
    id: str
    sender: str  # wa_id: country code and number, digits only
    timestamp: int
    kind: str  # text | reply | media | location | other
    text: str = ""
    reply_id: str = ""
    media_id: str = ""
    media_kind: str = ""
    mime: str = ""
    voice: bool = False
    profile_name: str = ""
    phone_number_id: str = ""
    raw_type: str = ""


@dataclass(frozen=True, slots=True)
class Status:
    id: str
    status: str
    recipient: str
    timestamp: int
    error: str = ""


@dataclass
class Update:
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _str(value: Any, limit: int = 4096) -> str:
    """A string field, cut to `limit`, control characters (but newline and tab) removed: what a
    phone sends is kept, but never a NUL that PostgreSQL refuses or a character that fakes a line."""
    return _CONTROL.sub("", value[:limit]) if isinstance(value, str) else ""


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse(body: bytes) -> Update:
    if len(body) > MAX_BODY:
        raise BadPayload(f"body larger than {MAX_BODY} bytes")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise BadPayload("object is not whatsapp_business_account")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise BadPayload("entry is not a list")
    update = Update()
    for entry in entries:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue
            value = change.get("value")
            if isinstance(value, dict):
                _read_value(value, update)
    return update


def _read_value(value: dict[str, Any], update: Update) -> None:
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    number_id = _str(metadata.get("phone_number_id"), 64)
    names: dict[str, str] = {}
    for contact in value.get("contacts") or []:
        if isinstance(contact, dict):
            profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
            names[_str(contact.get("wa_id"), 32)] = _str(profile.get("name"), 150)
    for message in value.get("messages") or []:
        if isinstance(message, dict):
            inbound = _message(message, names, number_id)
            if inbound is not None:
                update.messages.append(inbound)
    for status in value.get("statuses") or []:
        if isinstance(status, dict) and _str(status.get("id")):
            errors = status.get("errors") if isinstance(status.get("errors"), list) else []
            first = errors[0] if errors and isinstance(errors[0], dict) else {}
            error = f"{first.get('code', '')} {_str(first.get('title'), 200)}".strip() if first else ""
            update.statuses.append(Status(_str(status.get("id"), 128), _str(status.get("status"), 16),
                                          _str(status.get("recipient_id"), 32), _int(status.get("timestamp")),
                                          error))


def _message(message: dict[str, Any], names: dict[str, str], number_id: str) -> Inbound | None:
    msg_id, sender = _str(message.get("id"), 128), _str(message.get("from"), 32)
    if not msg_id or not sender.isdigit():
        return None
    kind = _str(message.get("type"), 32)
    base = {"id": msg_id, "sender": sender, "timestamp": _int(message.get("timestamp")),
            "profile_name": names.get(sender, ""), "phone_number_id": number_id, "raw_type": kind}
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return Inbound(kind="text", text=_str(body.get("body")), **base)
    if kind == "interactive":
        reply = body.get(_str(body.get("type"), 32))
        reply = reply if isinstance(reply, dict) else {}
        return Inbound(kind="reply", reply_id=_str(reply.get("id"), 256), text=_str(reply.get("title"), 256), **base)
    if kind == "button":  # a quick-reply button of a template message
        return Inbound(kind="reply", reply_id=_str(body.get("payload"), 256), text=_str(body.get("text"), 256), **base)
    if kind in MEDIA_KINDS:
        return Inbound(kind="media", media_id=_str(body.get("id"), 128), media_kind=kind,
                       mime=_str(body.get("mime_type"), 64).split(";")[0].strip(), voice=bool(body.get("voice")),
                       text=_str(body.get("caption")), **base)
    if kind == "location":
        text = " ".join(str(body.get(k, "")) for k in ("name", "address", "latitude", "longitude") if body.get(k))
        return Inbound(kind="location", text=text[:500], **base)
    return Inbound(kind="other", **base)
