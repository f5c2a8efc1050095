"""Passwords (scrypt) and signed tokens (HMAC-SHA256) for the API and the console's cookie."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

ROLES = ("agent", "supervisor", "officer", "admin", "collector", "state_nodal")
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    username: str
    role: str
    expires: int
    version: int = 0


class TokenError(Exception):
    """The token is missing, malformed, forged or expired (message says which)."""


def issue_token(secret: str, user_id: int, username: str, role: str, ttl_s: int, version: int = 0) -> str:
    """A signed token; `version` is the user's token_version (a later logout invalidates it)."""
    body = _b64(json.dumps({"u": user_id, "n": username, "r": role, "e": int(time.time()) + ttl_s, "v": version},
                           separators=(",", ":")).encode())
    return f"{body}.{_sign(secret, body)}"


def read_token(secret: str, token: str) -> TokenClaims:
    if not token.isascii():
        raise TokenError("malformed token")
    try:
        body, sig = token.split(".")
    except ValueError as exc:
        raise TokenError("malformed token") from exc
    if not hmac.compare_digest(sig.encode(), _sign(secret, body).encode()):
        raise TokenError("invalid token signature")
    try:
        data = json.loads(_unb64(body))
        claims = TokenClaims(int(data["u"]), str(data["n"]), str(data["r"]), int(data["e"]), int(data.get("v", 0)))
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenError("malformed token") from exc
    if claims.expires < time.time():
        raise TokenError("token expired")
    return claims


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
