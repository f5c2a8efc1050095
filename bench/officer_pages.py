"""Officer and collector pages at scale (issue 13; target p99 ≤ 200 ms, cold series included).

The collector (district LKO) asks for days inside the loaded months: the day page (today's
complaints, pending by officer, satisfaction by department, ranking over 30 days) and drill-down
lists.

    python -m bench.officer_pages [--count 1000000] [--officer-open 5000] [--runs 30] [--pg ADMIN_DSN]

Loads `count` complaints with the bench bulk loader, gives one L1 officer (ELE-LKO-L1)
`officer-open` open complaints (a tenth overdue, some due within two days, some reopened), then
times whole page requests through the real app (routing, session, queries, template): the
officer's inbox (first page, a later page, each filter, a search, "handled by me").
The first series runs on a freshly opened database and app (cold); the later ones warm.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from agent_console.app import create_app
from common.context import AppContext
from bench import bulk_complaints as bulk
from config.settings import Settings
from helpline.users import create_user
from storage.db import Database

PASSWORD = "bench-password-1"
OFFICER = "ELE-LKO-L1"
_PRELOGIN = re.compile(r'name="csrf_token" value="([^"]*)"')


def _officer_sql(open_count: int) -> str:
    """Give the officer `open_count` open complaints (ids 1..open_count); their deadlines (a tenth
    overdue, a tenth due within two days, the rest later) are set after, in each dialect."""
    return (f"UPDATE complaints SET officer_code = '{OFFICER}', department_code = 'ELE', district_code = 'LKO', "
            f"category_code = CASE WHEN id % 3 = 0 THEN 'ELE-SUPPLY' ELSE 'ELE-BILL' END, state = 'at_l1', "
            f"level = 1, escalated = {{false}}, reopen_count = CASE WHEN id % 50 = 0 THEN 1 ELSE 0 END, "
            f"disposed_at = NULL, closed_at = NULL, feedback = NULL WHERE id <= {open_count}")


async def load(url: str, count: int, open_count: int) -> None:
    await bulk.prepare(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        await asyncio.to_thread(bulk.load_sqlite, parsed.database, count)
        conn = sqlite3.connect(parsed.database)
        try:
            conn.execute(_officer_sql(open_count).replace("{false}", "0"))
            conn.execute(
                "UPDATE complaints SET due_at = strftime('%Y-%m-%d %H:%M:%f', 'now', "
                "CASE WHEN id % 10 = 0 THEN '-3 days' WHEN id % 10 = 1 THEN '+1 days' "
                "ELSE '+' || (3 + id % 20) || ' days' END) WHERE id <= ?", (open_count,))
            conn.commit()
            conn.execute("ANALYZE")
        finally:
            conn.close()
    else:
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        await bulk.load_pg(dsn, count)
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(_officer_sql(open_count).replace("{false}", "false"))
            await conn.execute(
                "UPDATE complaints SET due_at = (now() AT TIME ZONE 'UTC') + CASE WHEN id % 10 = 0 THEN interval '-3 days' "
                "WHEN id % 10 = 1 THEN interval '1 day' ELSE (3 + id % 20) * interval '1 day' END "
                f"WHERE id <= {open_count}")
            await conn.execute("VACUUM ANALYZE complaints")  # what autovacuum does after a bulk load
        finally:
            await conn.close()


async def _users(db: Database) -> None:
    async with db.session_scope() as session:
        await create_user(session, "bench.officer", "officer", PASSWORD, officer=OFFICER)
        await create_user(session, "bench.dm", "collector", PASSWORD, district="LKO")


async def _client(url: str) -> tuple[Database, httpx.AsyncClient]:
    settings = Settings(database_url=url, secret_key="bench-secret", ami_urls="", redis_url="")
    db = Database(url)
    app = create_app(AppContext.build(settings, db))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    return db, client


async def _login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/login")
    match = _PRELOGIN.search(page.text)
    assert match, "login form has no csrf token"
    r = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": match.group(1)})
    assert r.status_code == 303, r.text[:300]


def collector_paths() -> list[str]:
    days = [(bulk.START - timedelta(days=d)).date().isoformat() for d in (3, 10, 17, 24, 31)]
    return [f"/collector?day={d}" for d in days] + [
        "/collector/complaints?measure=overdue", f"/collector/complaints?from={days[1]}&to={days[1]}",
        "/collector/complaints?measure=escalated", f"/collector/complaints?from={days[4]}&to={days[0]}&state=closed"]


def inbox_paths(open_count: int) -> list[str]:
    last = max(1, -(-open_count // 50))
    return ["/officer", f"/officer?page={last // 2}", f"/officer?page={last}", "/officer?show=overdue",
            "/officer?show=due_soon", "/officer?show=reopened", "/officer?category=ELE-SUPPLY",
            "/officer?q=Citizen+12", "/officer?q=2610", "/officer?view=handled"]


async def series(client: httpx.AsyncClient, paths: list[str], runs: int) -> list[float]:
    times = []
    for i in range(runs):
        path = paths[i % len(paths)]
        t = time.perf_counter()
        r = await client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return times


def show(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{name}: median {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms "
            f"over {len(ordered)} requests")


Extra = Callable[[str, int], Awaitable[None]]


async def measure(url: str, count: int, open_count: int, runs: int, warm_series: int) -> None:
    t0 = time.perf_counter()
    await load(url, count, open_count)
    print(f"  loaded {count:,} complaints ({open_count:,} open with {OFFICER}) in {time.perf_counter() - t0:.1f} s")
    db, client = await _client(url)
    await _users(db)
    await client.aclose()
    await db.dispose()
    db, client = await _client(url)  # a fresh app and connection pool: the collector's cold series
    try:
        await _login(client, "bench.dm")
        paths = collector_paths()
        print("  " + show("collector day page, cold (first series)", await series(client, paths[:5], runs)))
        warm = []
        for _ in range(warm_series):
            warm += await series(client, paths[:5], runs)
        print("  " + show("collector day page, warm", warm))
        for path in paths[5:]:
            print("    " + show(path, await series(client, [path], 10)))
    finally:
        await client.aclose()
        await db.dispose()
    db, client = await _client(url)  # and again for the officer's inbox
    try:
        await _login(client, "bench.officer")
        paths = inbox_paths(open_count)
        print("  " + show("inbox, cold (first series)", await series(client, paths, runs)))
        warm: list[float] = []
        for _ in range(warm_series):
            warm += await series(client, paths, runs)
        print("  " + show("inbox, warm", warm))
        for path in paths:
            print("    " + show(path, await series(client, [path], 10)))
    finally:
        await client.aclose()
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--officer-open", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warm-series", type=int, default=5)
    parser.add_argument("--pg", default="", help="admin DSN of a PostgreSQL server to also measure")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.count, args.officer_open, args.runs,
                          args.warm_series)
    if args.pg:
        name = f"helpline_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(args.pg)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            print("PostgreSQL")
            url = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
            await measure(url, args.count, args.officer_open, args.runs, args.warm_series)
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
