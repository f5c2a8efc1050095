"""Webhook updates as Meta's Cloud API sends them (documented JSON), signed like Meta signs them."""
from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx

from messaging.whatsapp.signature import HEADER, sign

_ids = itertools.count(1)
WABA_ID, NUMBER_ID, DISPLAY = "102290129340398", "1234567890", "911076000000"


def message_id() -> str:
    return f"wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgg{next(_ids):08d}"


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": DISPLAY, "phone_number_id": NUMBER_ID}, **value},
        "field": "messages"}]}]}


def _message(sender: str, kind: str, body: dict[str, Any], msg_id: str | None, name: str) -> dict[str, Any]:
    return envelope({"contacts": [{"profile": {"name": name}, "wa_id": sender}],
                     "messages": [{"from": sender, "id": msg_id or message_id(), "timestamp": str(int(time.time())),
                                   "type": kind, kind: body}]})


def text(sender: str, body: str, msg_id: str | None = None, name: str = "Citizen") -> dict[str, Any]:
    return _message(sender, "text", {"body": body}, msg_id, name)


def button_reply(sender: str, reply_id: str, title: str = "", msg_id: str | None = None) -> dict[str, Any]:
    return _message(sender, "interactive", {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
                    msg_id, "Citizen")


def list_reply(sender: str, reply_id: str, title: str = "", msg_id: str | None = None) -> dict[str, Any]:
    return _message(sender, "interactive", {"type": "list_reply", "list_reply": {"id": reply_id, "title": title}},
                    msg_id, "Citizen")


def template_button(sender: str, payload: str, text_: str = "") -> dict[str, Any]:
    return _message(sender, "button", {"payload": payload, "text": text_}, None, "Citizen")


def media(sender: str, kind: str, media_id: str, mime: str, voice: bool = False, caption: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"mime_type": mime, "sha256": "abc", "id": media_id}
    if kind == "audio":
        body["voice"] = voice
    if caption:
        body["caption"] = caption
    return _message(sender, kind, body, None, "Citizen")


def status(wamid: str, state: str, recipient: str, error_code: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(int(time.time())), "recipient_id": recipient}
    if error_code is not None:
        item["errors"] = [{"code": error_code, "title": "Message undeliverable"}]
    return envelope({"statuses": [item]})


async def post(client: httpx.AsyncClient, secret: str, payload: dict[str, Any], *, signature: str | None = None,
               url: str = "/webhooks/whatsapp") -> httpx.Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    header = signature if signature is not None else sign(secret, body)
    return await client.post(url, content=body, headers={HEADER: header, "Content-Type": "application/json"})
