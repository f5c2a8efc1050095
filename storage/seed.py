"""`helpline db seed`: load the shipped reference data, idempotently."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from config.reference import Reference
from storage.models import Category, Department, District, Officer, PauseReason
from storage.queries import reference as ref_q


async def seed_reference(session: AsyncSession, ref: Reference) -> dict[str, int]:
    counts = {
        "districts": await ref_q.upsert(session, District, (asdict(d) for d in ref.districts)),
        "departments": await ref_q.upsert(
            session, Department,
            ({"code": d.code, "name_en": d.name_en, "name_hi": d.name_hi} for d in ref.departments)),
        "categories": await ref_q.upsert(
            session, Category, (asdict(c) for d in ref.departments for c in d.categories)),
        "officers": await ref_q.upsert(session, Officer, (asdict(o) for o in ref.officers)),
        "pause_reasons": await ref_q.upsert(session, PauseReason, (asdict(r) for r in ref.pause_reasons)),
    }
    return counts


async def migrate_and_seed(url: str) -> dict[str, int]:
    """Bring the database at `url` to the latest schema and load the shipped reference data."""
    import asyncio

    from config.reference import load_reference
    from storage.db import Database
    from storage.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session_scope() as session:
            return await seed_reference(session, load_reference())
    finally:
        await db.dispose()
