"""Supervisor day report at 1,000,000 complaints (target ≤ 200 ms, DESIGN §8).

    python -m bench.day_report [--count 1000000] [--cold 10] [--warm 30]
                               [--pg postgresql://postgres@127.0.0.1/postgres]

Two series, each over different days inside the loaded months (not one cached day):
- cold: every sample is a fresh Python process that opens the database and times its first
  report (nothing cached in the process: connection, statement caches, SQLAlchemy's
  compiled SQL), as a supervisor's first click after a restart sees it;
- warm: one process, one pool, a different day each time.
Reported as median / p95 / max of each series (with 10–30 samples "p99" would only be the max).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
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


def days(n: int) -> list[date]:
    """n different full days inside the loaded months, newest first (the loader spreads each
    month's complaints over its first 28 days)."""
    last = (bulk.START - timedelta(days=5)).date()
    return [last - timedelta(days=3 * i) for i in range(n)]


async def one_report(url: str, day: date) -> tuple[float, int]:
    """Open the database, time one day report (the first of this process when cold)."""
    db = Database(url)
    try:
        async with db.sessions() as session:
            t = time.perf_counter()
            report = await summary(session, day, day, TZ, datetime.now(timezone.utc))
            return (time.perf_counter() - t) * 1000, int(report["received"])
    finally:
        await db.dispose()


def cold_sample(url: str, day: date) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-m", "bench.day_report", "--sample", url, day.isoformat()],
                         stdout=subprocess.PIPE, check=True).stdout
    result = json.loads(out)
    return float(result["ms"]), int(result["received"])


async def measure(url: str, count: int, cold: int, warm: int) -> dict[str, list[float]]:
    t0 = time.perf_counter()
    await load(url, count)
    print(f"  loaded {count:,} complaints in {time.perf_counter() - t0:.1f} s; "
          f"load average {_load()}")
    cold_times, received = [], []
    for day in days(cold):
        ms, n = await asyncio.to_thread(cold_sample, url, day)
        cold_times.append(ms)
        received.append(n)
    print(f"  cold: {cold} fresh processes, days {days(cold)[-1]}..{days(cold)[0]}, "
          f"{min(received, default=0)}-{max(received, default=0)} complaints received a day")
    db = Database(url)
    warm_times = []
    warm_days = days(max(1, min(warm, 30)))
    try:
        for i in range(warm):
            async with db.sessions() as session:
                t = time.perf_counter()
                await summary(session, warm_days[i % len(warm_days)], warm_days[i % len(warm_days)],
                              TZ, datetime.now(timezone.utc))
                warm_times.append((time.perf_counter() - t) * 1000)
    finally:
        await db.dispose()
    return {"cold": cold_times, "warm": warm_times}


def show(name: str, series: dict[str, list[float]]) -> None:
    for kind, times in series.items():
        if not times:
            continue
        times = sorted(times)
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{name} {kind:<4}: day report median {statistics.median(times):.1f} ms, "
              f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms over {len(times)} samples (target ≤ 200 ms)")
    print(f"  load average {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--cold", type=int, default=10, help="cold samples (fresh processes)")
    parser.add_argument("--warm", type=int, default=30, help="warm samples (one process)")
    parser.add_argument("--sample", nargs=2, metavar=("URL", "DAY"), help=argparse.SUPPRESS)
    parser.add_argument("--pg", default="", help="admin DSN of a PostgreSQL server to also measure")
    args = parser.parse_args()
    if args.sample:
        ms, received = await one_report(args.sample[0], date.fromisoformat(args.sample[1]))
        print(json.dumps({"ms": ms, "received": received}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        show("SQLite", await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.count, args.cold, args.warm))
    if args.pg:
        name = f"helpline_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(args.pg)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            print("PostgreSQL")
            url = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
            show("PostgreSQL", await measure(url, args.count, args.cold, args.warm))
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
