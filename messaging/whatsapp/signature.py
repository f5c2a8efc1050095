"""`X-Hub-Signature-256`: HMAC-SHA256 of the raw request body with the app secret, as
`sha256=<hex>`. Checked over the exact bytes received, before any parsing."""
from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta sends for `body` (tests and fakes use it too)."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def check(app_secret: str, body: bytes, header: str | None) -> str | None:
    """None when the signature is right, else why it is refused (never echoing the header)."""
    if not app_secret:
        return "no app secret is configured"
    if not header:
        return "no X-Hub-Signature-256 header"
    if not header.startswith(PREFIX) or len(header) != len(PREFIX) + 64:
        return "malformed X-Hub-Signature-256 header"
    if not hmac.compare_digest(sign(app_secret, body), header.lower()):
        return "signature does not match the body"
    return None


def verify_handshake(verify_token: str, mode: str | None, token: str | None, challenge: str | None) -> str | None:
    """The challenge to echo for Meta's GET subscription check, or None to refuse it."""
    if not verify_token or mode != "subscribe" or token is None or challenge is None:
        return None
    if not hmac.compare_digest(verify_token.encode(), token.encode()):
        return None
    if not challenge or len(challenge) > 128 or not challenge.isprintable():
        return None
    return challenge
