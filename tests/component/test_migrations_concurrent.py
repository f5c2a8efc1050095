"""Three `helpline serve` processes started at once each run the migrations (issue 10): on
PostgreSQL they take turns (an advisory lock in storage/migrations/env.py), and none fails on a
table another has just created."""
from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config
from tests import dbs

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
async def test_processes_starting_together_upgrade_once() -> None:
    name = f"helpline_mig_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(dbs.PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        if dbs.IN_CI:
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = dbs.PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name
    try:
        code = f"from storage.migrate import upgrade; upgrade({url!r})"
        procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", code, cwd=REPO,
                                                      stderr=asyncio.subprocess.PIPE) for _ in range(3)]
        results = [(await p.communicate())[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], [r.decode()[-2000:] for r in results]
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            version = await conn.fetchval("SELECT version_num FROM alembic_version")
        finally:
            await conn.close()
        assert version == ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
