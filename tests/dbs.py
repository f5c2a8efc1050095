"""Throwaway databases for tests: a migrated, seeded template copied for each test.

SQLite: a template file copied per test. PostgreSQL (HELPLINE_TEST_PG_URL, default the local
server on 127.0.0.1:5432): a template database, then CREATE DATABASE … TEMPLATE per test,
dropped afterwards. Outside CI an unreachable PostgreSQL skips those tests with the reason;
in CI (CI=true) it fails them.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg

from storage.seed import migrate_and_seed

PG_ADMIN_URL = os.environ.get("HELPLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _async_url(dsn: str, dbname: str) -> str:
    base = dsn.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + dbname


async def _seed(url: str) -> None:
    await migrate_and_seed(url)


class SqliteTemplate:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        self.ready = False

    async def new(self, folder: Path) -> str:
        if not self.ready:
            await _seed(f"sqlite+aiosqlite:///{self.path}")
            self.ready = True
        target = folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"


class PgTemplate:
    def __init__(self) -> None:
        self.template = f"helpline_tmpl_{uuid.uuid4().hex[:8]}"
        self.ready = False
        self.error: str | None = None
        self.created: list[str] = []

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=5)

    async def new(self) -> str:
        if self.error:
            raise RuntimeError(self.error)
        if not self.ready:
            try:
                conn = await self._admin()
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                self.error = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
                raise RuntimeError(self.error) from exc
            try:
                await conn.execute(f'CREATE DATABASE "{self.template}"')
            finally:
                await conn.close()
            await _seed(_async_url(PG_ADMIN_URL, self.template))
            self.ready = True
        name = f"helpline_t_{uuid.uuid4().hex[:12]}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        finally:
            await conn.close()
        self.created.append(name)
        return _async_url(PG_ADMIN_URL, name)

    async def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def drop_template(self) -> None:
        if not self.ready:
            return
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        finally:
            await conn.close()
