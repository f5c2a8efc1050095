"""The desk softphone's configuration for one agent: where the browser registers, as whom, and the
SIP password.

An agent's WebRTC endpoint (dialplans/pjsip_helpline.conf.sample, `helpline-agent-webrtc`) is its
extension; its password is derived from HELPLINE_SECRET_KEY and the extension, so Helpline stores
no SIP secret and the administrator gets it with `helpline users softphone-password EXT` for the
endpoint's auth section. Only the signed-in agent is given its own.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings


def password(secret_key: str, extension: str) -> str:
    """24 characters (base32 of an HMAC-SHA256): the endpoint's SIP password."""
    digest = hmac.new(secret_key.encode(), f"helpline-softphone:{extension}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:24]


def config(settings: Settings, *, extension: str | None, display_name: str, auto_answer: bool) -> dict[str, Any]:
    url = settings.softphone_ws_url.strip()
    if not url or not extension:
        return {"enabled": False, "ws_url": None, "uri": None, "authorization_user": None, "password": None,
                "display_name": display_name, "auto_answer": auto_answer}
    domain = settings.softphone_sip_domain.strip() or (urlsplit(url).hostname or "")
    return {"enabled": True, "ws_url": url, "uri": f"sip:{extension}@{domain}", "authorization_user": extension,
            "password": password(settings.secret_key, extension), "display_name": display_name,
            "auto_answer": auto_answer}
