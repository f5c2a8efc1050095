"""Cloud API message bodies (POST /{phone-number-id}/messages), built within WhatsApp's limits.

Limits applied (texts are cut, never refused): text body 4096 characters; interactive body
1024; at most 3 reply buttons, titles 20; a list has one button label of 20 and at most 10
rows, row titles 24 and descriptions 72; ids 256.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TEXT_MAX, INTERACTIVE_MAX, BUTTON_MAX, ROW_TITLE_MAX, ROW_DESC_MAX, ID_MAX = 4096, 1024, 20, 24, 72, 256
MAX_BUTTONS, MAX_ROWS = 3, 10


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _envelope(to: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: body}


def text(to: str, body: str) -> dict[str, Any]:
    return _envelope(to, "text", {"preview_url": False, "body": _cut(body, TEXT_MAX)})


def buttons(to: str, body: str, choices: Sequence[tuple[str, str]]) -> dict[str, Any]:
    if not 1 <= len(choices) <= MAX_BUTTONS:
        raise ValueError(f"reply buttons: 1 to {MAX_BUTTONS}, got {len(choices)}")
    return _envelope(to, "interactive", {
        "type": "button", "body": {"text": _cut(body, INTERACTIVE_MAX)},
        "action": {"buttons": [{"type": "reply", "reply": {"id": _cut(i, ID_MAX), "title": _cut(t, BUTTON_MAX)}}
                               for i, t in choices]},
    })


def list_menu(to: str, body: str, button: str, rows: Sequence[tuple[str, str, str]], section: str = "") -> dict[str, Any]:
    if not 1 <= len(rows) <= MAX_ROWS:
        raise ValueError(f"list rows: 1 to {MAX_ROWS}, got {len(rows)}")
    out_rows = []
    for row_id, title, description in rows:
        row = {"id": _cut(row_id, ID_MAX), "title": _cut(title, ROW_TITLE_MAX)}
        if description:
            row["description"] = _cut(description, ROW_DESC_MAX)
        out_rows.append(row)
    section_body: dict[str, Any] = {"rows": out_rows}
    if section:
        section_body["title"] = _cut(section, ROW_TITLE_MAX)
    return _envelope(to, "interactive", {
        "type": "list", "body": {"text": _cut(body, INTERACTIVE_MAX)},
        "action": {"button": _cut(button, BUTTON_MAX), "sections": [section_body]},
    })


def template(to: str, name: str, language: str, params: Sequence[str],
             quick_replies: Sequence[str] = ()) -> dict[str, Any]:
    """An approved template; `params` fill {{1}}, {{2}}… of its body; `quick_replies` are the
    payloads of its quick-reply buttons, in order."""
    components: list[dict[str, Any]] = []
    if params:
        components.append({"type": "body", "parameters": [{"type": "text", "text": _cut(p, 1024)} for p in params]})
    for index, payload in enumerate(quick_replies):
        components.append({"type": "button", "sub_type": "quick_reply", "index": str(index),
                           "parameters": [{"type": "payload", "payload": _cut(payload, ID_MAX)}]})
    body: dict[str, Any] = {"name": name, "language": {"code": language}}
    if components:
        body["components"] = components
    return _envelope(to, "template", body)
