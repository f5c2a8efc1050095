"""Officer and collector pages at scale (issue 13; target p99 ≤ 200 ms, cold series included).

The collector (district LKO) asks for days inside the loaded months: the day page (today's
complaints, pending by officer, satisfaction by department, ranking over 30 days) and drill-down
lists.

    python -m bench.officer_pages [--count 1000000] [--officer-open 5000] [--runs 30] [--pg ADMIN_DSN]

Loads `count` complaints with the bench bulk loader, gives one L1 officer (ELE-LKO-L1)
`officer-open` open complaints (a tenth overdue, some due within two days, some reopened), then
times whole page requests through the real app (routing, session, queries, template): the
officer's inbox (first page, a later page, each filter, a search, "handled by me").
The first series runs on a freshly opened database and app (cold); the later ones warm. Each app
is started as `helpline serve` starts it (its lifespan start-up, then the start-up objects frozen
out of the garbage collector), and the first request of the cold series is printed apart.
`--keep-db NAME` loads into (or reuses) a named PostgreSQL database, for measuring after a change.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from collections.abc import Awaitable, Callable
from typing import Any
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from agent_console.app import create_app
from common.context import AppContext
from bench import bulk_complaints as bulk
from config.settings import Settings
from helpline.gcfreeze import freeze
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


class _Client(httpx.AsyncClient):
    """An httpx client on the app that, like `helpline serve`, ran the app's start-up (uvicorn's
    lifespan: the route tables are built) and froze the start-up objects (helpline.gcfreeze)
    before the first request; closing it runs the app's shutdown."""

    def __init__(self, app: Any) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        self._lifespan = app.router.lifespan_context(app)

    async def start(self) -> "_Client":
        await self._lifespan.__aenter__()
        freeze()
        return self

    async def aclose(self) -> None:
        await super().aclose()
        await self._lifespan.__aexit__(None, None, None)


async def _client(url: str) -> tuple[Database, httpx.AsyncClient]:
    settings = Settings(database_url=url, secret_key="bench-secret", ami_urls="", redis_url="")
    db = Database(url)
    app = create_app(AppContext.build(settings, db))
    return db, await _Client(app).start()


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


CPU: list[float] = []  # the application's own CPU time of every request timed (process time)


async def series(client: httpx.AsyncClient, paths: list[str], runs: int) -> list[float]:
    times = []
    for i in range(runs):
        path = paths[i % len(paths)]
        t, c = time.perf_counter(), time.process_time()
        r = await client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        CPU.append((time.process_time() - c) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return times


def cpu_since(start: int) -> str:
    """The process CPU per request of the requests timed since CPU[start] (on a shared machine the
    wall-clock figures include waiting for a core; these do not, nor the database's work)."""
    part = sorted(CPU[start:])
    return (f"application CPU per request: median {statistics.median(part):.1f} ms, "
            f"p99 {part[min(len(part) - 1, int(len(part) * 0.99))]:.1f} ms")


def show(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{name}: median {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms "
            f"over {len(ordered)} requests")


Extra = Callable[[str, int], Awaitable[None]]


async def measure(url: str, count: int, open_count: int, runs: int, warm_series: int, *, loaded: bool = False,
                  pages: str = "all") -> None:
    if not loaded:
        t0 = time.perf_counter()
        await load(url, count, open_count)
        print(f"  loaded {count:,} complaints ({open_count:,} open with {OFFICER}) in {time.perf_counter() - t0:.1f} s")
        db, client = await _client(url)
        await _users(db)
        await client.aclose()
        await db.dispose()
    if pages in ("all", "collector"):
        print("  load average before the collector: %.2f %.2f %.2f" % os.getloadavg())
        await _collector(url, runs, warm_series)
    if pages in ("all", "inbox"):
        print("  load average before the inbox: %.2f %.2f %.2f" % os.getloadavg())
        await _inbox(url, open_count, runs, warm_series)
    print("  load average at the end: %.2f %.2f %.2f" % os.getloadavg())


async def _collector(url: str, runs: int, warm_series: int) -> None:
    db, client = await _client(url)  # a fresh app and connection pool: the collector's cold series
    try:
        await _login(client, "bench.dm")
        paths = collector_paths()
        mark = len(CPU)
        cold = await series(client, paths[:5], runs)
        print("  " + show("collector day page, cold (first series)", cold))
        print("    first requests: " + ", ".join(f"{t:.0f}" for t in cold[:6]) + " ms (application CPU "
              + ", ".join(f"{c:.0f}" for c in CPU[mark:mark + 6]) + " ms); " + cpu_since(mark))
        warm = []
        mark = len(CPU)
        for _ in range(warm_series):
            warm += await series(client, paths[:5], runs)
        print("  " + show("collector day page, warm", warm) + "; " + cpu_since(mark))
        for path in paths[5:]:
            print("    " + show(path, await series(client, [path], 10)))
    finally:
        await client.aclose()
        await db.dispose()


async def _inbox(url: str, open_count: int, runs: int, warm_series: int) -> None:
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
    parser.add_argument("--pages", choices=("all", "collector", "inbox"), default="all")
    parser.add_argument("--keep-db", default="",
                        help="PostgreSQL: load into (or, when it exists, reuse) this database and keep it; "
                             "upgrades it to the latest migration first")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.count, args.officer_open, args.runs,
                          args.warm_series, pages=args.pages)
    if args.pg:
        name = args.keep_db or f"helpline_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(args.pg)
        exists = bool(args.keep_db) and await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
        url = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
        try:
            print("PostgreSQL" + (f" (database {name} kept, already loaded)" if exists else ""))
            if exists:
                await bulk.prepare(url)  # new migrations (indexes) on the kept data
            await measure(url, args.count, args.officer_open, args.runs, args.warm_series, loaded=bool(exists),
                          pages=args.pages)
        finally:
            if not args.keep_db:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
