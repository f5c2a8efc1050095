"""The public sign-language video page's call tickets and the queue-full check.

A citizen's browser gets a ticket before it calls: `<expiry>.<nonce>.<signature>` (HMAC-SHA256 of
HELPLINE_SECRET_KEY), valid for TICKET_S seconds. The browser registers nothing: it calls
`sip:video@<domain>` as the shared guest endpoint `video-guest` (whose password is derived like an
agent's) with the ticket in the `X-Helpline-Ticket` header; the dialplan's FastAGI `video-ticket`
lets the call into `helpline-video` only with a valid ticket. Tickets are handed out at most
TICKETS_PER_WINDOW times per address per window, and not while the video queue is full, so the
guest password alone gets nobody into the queue.

Why one guest password for everybody is harmless: it is in every visitor's page anyway, so a
per-visitor password would be exactly as public as the ticket it came with; Asterisk checks it
from static configuration and cannot ask Helpline. The ticket is the credential: signed, short-
lived, rate-limited, checked by the dialplan before the queue, and carrying one live call at a
time (`GROUP()` in `[helpline-video-web]`). The guest's context has only that extension
(no trunk, no agents), and with the application down the call is refused (cause 38, "a technical
problem"), not sent to the voice queues. tests/integration/test_video_refusals_pbx.py proves each
refusal on the real Asterisk.

The dialplan never answers the call itself: it rings (Queue option `r`, 180 Ringing) until a
sign-language agent answers, so the page says "waiting for an interpreter" until then and
"connected" only on the 200 OK; while it waits the page shows `waiting()` (GET
/api/v1/video/queue), and a refusal from the queue (full, nobody logged in, no answer in time)
reaches it as the INVITE's final response, in words.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from agent_console.softphone import password
from common.video_tickets import TICKET_S, issue, valid  # noqa: F401 (the page hands them out)
from config.settings import Settings
from cti import wallboard as wb

GUEST = "video-guest"
TARGET = "video"
QUEUE = "helpline-video"
TICKETS_PER_WINDOW = 5
WINDOW_S = 600


def waiting(cti: Any) -> int:
    """Video callers waiting now (0 without a CTI)."""
    if cti is None:
        return 0
    calls = wb.waiting_calls((s.calls, s.clock) for s in cti.servers.values())
    return sum(1 for c in calls if c["queue"] == QUEUE)


def call_config(settings: Settings, ticket: str) -> dict[str, Any]:
    url = settings.softphone_ws_url.strip()
    domain = settings.softphone_sip_domain.strip() or (urlsplit(url).hostname or "")
    return {"ticket": ticket, "ws_url": url, "uri": f"sip:{GUEST}@{domain}", "authorization_user": GUEST,
            "password": password(settings.secret_key, GUEST), "target": f"sip:{TARGET}@{domain}",
            "expires_s": TICKET_S}
