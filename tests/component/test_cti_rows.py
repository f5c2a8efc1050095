"""Call rows: one row the database refuses does not hold back the others."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from common.context import AppContext
from cti.run import build
from storage.models import Call


async def test_a_refused_row_is_dropped_and_the_rest_written(ctx: AppContext) -> None:
    service = build(ctx)
    at = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    good = {"linkedid": "1795362053.0", "direction": "inbound", "caller": "+919812345678", "started_at": at,
            "outcome": "answered"}
    bad = {**good, "linkedid": "1795362054.0", "direction": None}  # NOT NULL: refused by the database
    service.rows.calls = [bad, good]
    await service.flush()
    async with ctx.db.sessions() as session:
        rows = (await session.scalars(select(Call))).all()
    assert [r.linkedid for r in rows] == ["1795362053.0"]
    assert service.rows.calls == []  # nothing left to retry forever
    await service.flush()  # and the next flush writes nothing twice
    async with ctx.db.sessions() as session:
        assert len((await session.scalars(select(Call))).all()) == 1
