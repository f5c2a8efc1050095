"""Supervisor day report at 1,000,000 complaints (target ≤ 200 ms, DESIGN §8).

    python -m bench.day_report [--count 1000000] [--pg postgresql://postgres@127.0.0.1/postgres]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from sqlalchemy.engine import make_url

from bench import bulk_complaints as bulk
from grievance.reports import summary
from storage.db import Database

TZ = ZoneInfo("Asia/Kolkata")


async def load(url: str, count: int) -> None:
    await bulk.prepare(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        await asyncio.to_thread(bulk.load_sqlite, parsed.database, count)
    else:
        await bulk.load_pg(parsed.set(drivername="postgresql").render_as_string(hide_password=False), count)


async def measure(url: str, count: int, runs: int) -> list[float]:
    now = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    await load(url, count)
    print(f"  loaded {count:,} complaints in {time.perf_counter() - t0:.1f} s")
    db = Database(url)
    day = (bulk.START - timedelta(days=10)).date()  # a full day inside the loaded months
    times = []
    try:
        for _ in range(runs):
            async with db.sessions() as session:
                t = time.perf_counter()
                report = await summary(session, day, day, TZ, now)
                times.append((time.perf_counter() - t) * 1000)
    finally:
        await db.dispose()
    print(f"  day {day}: received {report['received']}, {len(report['by_district'])} districts, "
          f"{len(report['by_department'])} departments")
    return times


def show(name: str, times: list[float]) -> None:
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{name}: day report median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms "
          f"over {len(times)} runs (target ≤ 200 ms)")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", default="", help="admin DSN of a PostgreSQL server to also measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        show("SQLite", await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.count, args.runs))
    if args.pg:
        name = f"helpline_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(args.pg)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            print("PostgreSQL")
            url = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
            show("PostgreSQL", await measure(url, args.count, args.runs))
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
