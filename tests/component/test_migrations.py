"""Alembic migrations: up, down, up again, and the models match the migrated schema."""
from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import downgrade, upgrade
from storage.models import Base


def _diff(sync_conn) -> list:  # type: ignore[no-untyped-def]
    return compare_metadata(MigrationContext.configure(sync_conn), Base.metadata)


async def test_upgrade_downgrade_upgrade_matches_models(db_url: str) -> None:
    await asyncio.to_thread(downgrade, db_url, "base")
    await asyncio.to_thread(upgrade, db_url)
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []
