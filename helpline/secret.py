"""The key that signs tokens: HELPLINE_SECRET_KEY, or a random one kept in a local file.

A helpline must never run on a key anyone can read in the source, so an empty setting makes
`helpline serve` create `helpline-secret.key` (32 random bytes, mode 0600) once and reuse it —
on one host only: with PostgreSQL or Redis configured (several processes, maybe several hosts)
the key must be set, the same everywhere.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from config.settings import Settings

log = logging.getLogger(__name__)
SECRET_FILE = Path("helpline-secret.key")
MIN_LENGTH = 16


class WeakSecret(ValueError):
    """HELPLINE_SECRET_KEY is set but too short to sign tokens safely (or missing where it must be set)."""


def shared(settings: Settings) -> bool:
    """Whether several processes may serve this helpline: PostgreSQL or Redis configured."""
    return settings.database_url.startswith("postgresql") or bool(settings.redis_url)


def with_secret(settings: Settings, path: Path = SECRET_FILE) -> Settings:
    """Settings whose secret_key is usable (from the environment, or from/into `path`)."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_LENGTH:
            raise WeakSecret(f"HELPLINE_SECRET_KEY must have at least {MIN_LENGTH} characters")
        return settings
    if shared(settings):  # a key made here would differ on every host: tokens would fail on the others
        raise WeakSecret("HELPLINE_SECRET_KEY must be set when PostgreSQL or Redis is configured: every "
                         "helpline serve process must sign with the same key (e.g. `openssl rand -hex 32`)")
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
    else:
        key = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
        log.info("created %s: the key that signs sessions and API tokens", path)
    if len(key) < MIN_LENGTH:
        raise WeakSecret(f"{path} holds a key shorter than {MIN_LENGTH} characters")
    return settings.model_copy(update={"secret_key": key})
