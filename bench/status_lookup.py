"""IVR status lookup at 1,000,000 complaints: `python -m bench.status_lookup [--pg] [--count N]`.

Loads N complaints (bench/bulk_complaints.py; reused when the database already holds them),
then measures on SQLite (default, a file under /tmp) or PostgreSQL (`--pg`: a scratch
database `helpline_bench_status_<random>` that this run creates on HELPLINE_BENCH_PG_URL,
default the local server, and drops at the end; no other database is touched):

* lookup+speech: the flow's database lookup of a random existing complaint and the prompt
  list it speaks (ivr.flows.complaint_status.lookup + status_prompts), one at a time;
* agi answer: the real FastAGI server (this process) with the real route table, and fake
  Asterisk peers (tests/fakes/agi_peer.py, in a second process so they do not share this
  event loop) running complaint-status over loopback: from the GET DATA command, answered
  with the 11 digits, to the first STREAM FILE of the answer (validation, lookup, the SET
  VARIABLE round trips, speech), with calls one after another and with `--rate` calls
  started per second whatever is in flight (open loop; the design's peak hour is about
  1 call/s); and the whole session (connect, environment ... end-of-session HANGUP).

Prints p50/p99 per measure, and this process's CPU time per call (the FastAGI server and
the database client; with SQLite also the database itself), which other load on the machine
does not inflate. Target (DESIGN §8): AGI request → answer p99 ≤ 10 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from bench import bulk_complaints as bulk
from grievance.service import Policy
from ivr import scripts
from ivr.fastagi import FastAgiServer
from ivr.flows.common import FlowDeps
from ivr.flows.complaint_status import lookup, status_prompts
from ivr.routes import build_routes
from storage.db import Database
from tests.fakes.agi_peer import FakeAgiPeer

TZ = ZoneInfo("Asia/Kolkata")
SQLITE_PATH = Path("/tmp/helpline-bench-status.db")
PG_ADMIN = os.environ.get("HELPLINE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB_PREFIX = "helpline_bench_status_"


@dataclass
class Timings:
    name: str
    samples: list[float] = field(default_factory=list)

    def row(self) -> dict[str, object]:
        ms = sorted(s * 1000 for s in self.samples)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        return {"measure": self.name, "n": len(ms), "p50_ms": round(statistics.median(ms), 3),
                "p99_ms": round(p99, 3), "max_ms": round(ms[-1], 3)}


@contextlib.asynccontextmanager
async def database(pg: bool, count: int) -> AsyncIterator[str]:
    """The URL of a database holding `count` bench complaints (loaded if needed).

    PostgreSQL: a scratch database of this run's own, dropped on the way out.
    """
    if pg:
        name = PG_DB_PREFIX + uuid.uuid4().hex[:8]
        admin = await asyncpg.connect(PG_ADMIN)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        try:
            dsn = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
            url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
            await bulk.prepare(url)
            started = time.perf_counter()
            await bulk.load_pg(dsn, count)
            print(f"loaded {count:,} complaints into PostgreSQL ({name}) in "
                  f"{time.perf_counter() - started:.1f} s")
            yield url
        finally:
            admin = await asyncpg.connect(PG_ADMIN)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
        return
    url = f"sqlite+aiosqlite:///{SQLITE_PATH}"
    if _count_sqlite() != count:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        await bulk.prepare(url)
        started = time.perf_counter()
        await asyncio.to_thread(bulk.load_sqlite, str(SQLITE_PATH), count)
        print(f"loaded {count:,} complaints into SQLite in {time.perf_counter() - started:.1f} s")
    yield url


def _count_sqlite() -> int:
    import sqlite3

    if not SQLITE_PATH.exists():
        return -1
    conn = sqlite3.connect(SQLITE_PATH)
    try:
        return int(conn.execute("SELECT count(*) FROM complaints").fetchone()[0])
    except sqlite3.Error:
        return -1
    finally:
        conn.close()


async def measure_lookup(deps: FlowDeps, picks: list[str]) -> Timings:
    timings = Timings("lookup+speech")
    now = deps.clock()
    for number in picks:
        started = time.perf_counter()
        status = await lookup(deps, number)
        assert status is not None, number
        status_prompts(status, "hi", deps.tz, now)
        timings.samples.append(time.perf_counter() - started)
    return timings


class _Watch:
    """Times one call: the GET DATA command seen → the first STREAM FILE after it."""

    def __init__(self) -> None:
        self.asked = 0.0
        self.answered = 0.0

    def __call__(self, line: str) -> None:
        if line.startswith("GET DATA"):
            self.asked = time.perf_counter()
        elif line.startswith("STREAM FILE") and self.asked and not self.answered:
            self.answered = time.perf_counter()
        return None


async def measure_agi(peer: FakeAgiPeer, picks: list[str], rate: float) -> tuple[Timings, Timings]:
    """Calls one after another (rate 0), or starting `rate` times a second whatever is in flight."""
    label = f"{rate:g} calls/s" if rate else "1 caller"
    answer, session = Timings(f"agi answer, {label}"), Timings(f"agi session, {label}")

    async def one(number: str) -> None:
        watch = _Watch()
        call = await peer.call("complaint-status", digits=[number], handler=watch)
        assert call.variables.get("HELPLINE_STATUS_RESULT") == "found", call.variables
        answer.samples.append(watch.answered - watch.asked)
        session.samples.append(call.duration)

    if not rate:
        for number in picks:
            await one(number)
        return answer, session
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with asyncio.TaskGroup() as tg:
        for i, number in enumerate(picks):
            tg.create_task(one(number))
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - loop.time()))
    return answer, session


async def run_callers(port: int, picks: list[str], rate: float) -> tuple[Timings, Timings]:
    """Run the fake callers in a child process; their timings come back as JSON."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.status_lookup", "--client", "--port", str(port), "--rate", str(rate),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate(json.dumps(picks).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"the caller process failed with exit code {proc.returncode}")
    data = json.loads(out)
    return (Timings(data["answer"]["name"], data["answer"]["samples"]),
            Timings(data["session"]["name"], data["session"]["samples"]))


async def client(port: int, rate: float) -> None:
    picks = json.loads(sys.stdin.read())
    async with FakeAgiPeer("127.0.0.1", port, timeout=30.0) as peer:
        answer, session = await measure_agi(peer, picks, rate)
    print(json.dumps({"answer": answer.__dict__, "session": session.__dict__}))


async def main(pg: bool, count: int, calls: int, rate: float) -> list[dict[str, object]]:
    async with database(pg, count) as url:
        return await measure_all(url, count, calls, rate)


async def measure_all(url: str, count: int, calls: int, rate: float) -> list[dict[str, object]]:
    db = Database(url)
    deps = FlowDeps(db=db, policy=Policy(timezone=TZ), tz=TZ)
    rnd = random.Random(42)
    pick = lambda n: [bulk.number_of(rnd.randrange(count)) for _ in range(n)]  # noqa: E731
    rows = []
    try:
        await measure_lookup(deps, pick(200))  # warm the pool and the caches
        rows.append((await measure_lookup(deps, pick(calls * 2))).row())
        server = FastAgiServer(build_routes(deps), "127.0.0.1", 0, failure_context=scripts.FAILURE_CONTEXT)
        async with server:
            await run_callers(server.port, pick(200), 0)
            for r in (0, rate):
                cpu = time.process_time()
                for timings in await run_callers(server.port, pick(calls), r):
                    rows.append(timings.row())
                rows.append({"measure": f"server CPU per call, {'1 caller' if not r else f'{r:g} calls/s'}",
                             "n": calls, "cpu_ms": round((time.process_time() - cpu) * 1000 / calls, 3)})
            assert server.errors == 0
    finally:
        await db.dispose()
    return rows


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--count", type=int, default=1_000_000, help="complaints in the database")
    parser.add_argument("--calls", type=int, default=2000, help="calls per measure")
    parser.add_argument("--rate", type=float, default=50.0,
                        help="calls started per second in the open-loop run (the peak hour is about 1/s)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.client:
        asyncio.run(client(args.port, args.rate))
        return
    rows = asyncio.run(main(args.pg, args.count, args.calls, args.rate))
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"status lookup, {backend}, {args.count:,} complaints; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for row in rows:
        if "cpu_ms" in row:
            print(f"  {row['measure']:<36} {row['cpu_ms']:>7.3f} ms")
            continue
        print(f"  {row['measure']:<36} n={row['n']:<6} p50 {row['p50_ms']:>7.3f} ms   "
              f"p99 {row['p99_ms']:>7.3f} ms   max {row['max_ms']:>8.3f} ms")
    print(json.dumps({"backend": backend, "complaints": args.count, "results": rows}))


if __name__ == "__main__":
    cli()
