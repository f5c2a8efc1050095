"""Settings that must agree across `helpline serve` processes (issue 10): serve refuses to start
without HELPLINE_SECRET_KEY when PostgreSQL or Redis is configured; a process whose key or
database differs from the live processes' says so at start."""
from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from config.settings import Settings
from helpline import agreement
from tests.fakes.cti_stack import REDIS_URL

REPO = Path(__file__).resolve().parents[2]


def test_serve_refuses_a_shared_setup_without_a_key(tmp_path: Path) -> None:
    env = {**os.environ, "HELPLINE_DATABASE_URL": "postgresql+asyncpg://helpline@127.0.0.1:1/helpline",
           "HELPLINE_SECRET_KEY": "", "HELPLINE_REDIS_URL": "", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "helpline.cli", "serve"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "HELPLINE_SECRET_KEY must be set when PostgreSQL or Redis is configured" in done.stderr
    assert not (tmp_path / "helpline-secret.key").exists()


@pytest.mark.redis
async def test_a_process_with_another_key_or_database_says_so(caplog: pytest.LogCaptureFixture) -> None:
    from tests.component.test_ws_sockets import _redis_or_skip

    await _redis_or_skip()
    import redis.asyncio as aioredis

    channel = f"helpline:test:{uuid.uuid4().hex}"
    base = {"redis_url": REDIS_URL, "redis_channel": channel, "ami_urls": "",
            "database_url": "postgresql+asyncpg://helpline@db1:5432/helpline"}
    first = Settings(secret_key="k" * 32, **base)
    client = aioredis.from_url(REDIS_URL)
    try:
        assert await agreement.check(first, client) == []
        assert await agreement.check(Settings(secret_key="k" * 32, **base), client) == []  # the same: agree
        other_key = await agreement.check(Settings(secret_key="z" * 32, **base), client)
        assert len(other_key) == 1 and "HELPLINE_SECRET_KEY differs" in other_key[0]
        other_db = await agreement.check(Settings(secret_key="k" * 32, **{
            **base, "database_url": "postgresql+asyncpg://helpline@db2:5432/helpline"}), client)
        assert len(other_db) == 1 and "another database" in other_db[0]
        stored = (await client.get(f"{channel}:settings")).decode()
        assert "k" * 32 not in stored and "db1" not in stored  # fingerprints only
        assert 0 < await client.ttl(f"{channel}:settings") <= agreement.TTL_S

        # what `helpline serve` runs: the disagreement is in its log at start
        ctx = SimpleNamespace(settings=Settings(secret_key="z" * 32, **base))
        stop = asyncio.Event()
        with caplog.at_level(logging.INFO, logger="helpline.agreement"):
            task = asyncio.create_task(agreement.run_agreement(ctx, stop))
            async with asyncio.timeout(30):
                while not any("HELPLINE_SECRET_KEY differs" in r.getMessage() for r in caplog.records):
                    await asyncio.sleep(0.02)
            stop.set()
            await asyncio.wait_for(task, 30)
        assert [r.levelname for r in caplog.records if "disagree" in r.getMessage()] == ["ERROR"]
    finally:
        await client.delete(f"{channel}:settings")
        await client.aclose()
