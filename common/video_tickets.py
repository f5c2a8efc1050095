"""Video-call tickets: `<expiry>.<nonce>.<signature>` (HMAC-SHA256 of HELPLINE_SECRET_KEY), valid
for TICKET_S seconds. The public video page issues them; the FastAGI `video-ticket` script checks
them, so both sides use this module and neither imports the other. A ticket is not consumed here:
the dialplan lets it carry one live call at a time (GROUP), which works across FastAGI hosts
without shared state."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

TICKET_S = 120


def _sign(secret_key: str, body: str) -> str:
    return hmac.new(secret_key.encode(), f"video-ticket:{body}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(secret_key: str, now: float | None = None) -> str:
    body = f"{int((now if now is not None else time.time()) + TICKET_S)}.{secrets.token_hex(8)}"
    return f"{body}.{_sign(secret_key, body)}"


def valid(secret_key: str, ticket: str, now: float | None = None) -> bool:
    parts = ticket.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(ticket) > 80:
        return False
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret_key, body), parts[2]):
        return False
    return int(parts[0]) >= (now if now is not None else time.time())
