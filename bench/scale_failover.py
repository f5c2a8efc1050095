"""Scale-out: rows per call and owner failover time with several `helpline serve` processes.

    python -m bench.scale_failover [--processes 3] [--kills 20] [--calls 20]

PostgreSQL (HELPLINE_TEST_PG_URL's server, a scratch database `helpline_bench_<random>`,
dropped at the end) and Redis (HELPLINE_TEST_REDIS_URL). Two fake Asterisk pods replay the
`inbound-answered` capture with fresh call ids. First `--calls` calls on each pod with every
process running: rows per call (must be 1.00). Then `--kills` rounds on pod A: a call rings and
is answered, the process owning pod A's events is killed with SIGKILL, the call ends; the time
until another process owns the stream (polling each process's /api/v1/health every 20 ms), and
whether the call still became one row with outcome `answered`. A killed process is started
again before the next round, so `--processes` stay running.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Call
from storage.seed import migrate_and_seed
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.serve_cluster import ServeCluster, ami_name
from tests.traces import ami as capture_bytes

PG_ADMIN_URL = os.environ.get("HELPLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ID_RE = re.compile(rb"^((?:Dest)?(?:Uniqueid|Linkedid)): (\d+)\.(\d+)\r$", re.M)


def fresh(data: bytes, n: int) -> bytes:
    """The capture with call ids no other round uses."""
    return ID_RE.sub(lambda m: m.group(1) + b": " + str(int(m.group(2)) + 1_000_000 * n).encode() + b"." +
                     m.group(3) + b"\r", data)


async def _rows(db: Database, expected: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        async with db.sessions() as session:
            count = int(await session.scalar(select(func.count()).select_from(Call)) or 0)
        if count >= expected or time.monotonic() > deadline:
            return count
        await asyncio.sleep(0.1)


async def run(args: argparse.Namespace) -> dict[str, object]:
    name = f"helpline_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name
    db = Database(url)
    capture = capture_bytes("inbound-answered")
    cut = capture.index(b"Event: HangupRequest\r\n")
    try:
        await migrate_and_seed(url)
        async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
            with tempfile.TemporaryDirectory() as folder:
                cluster = ServeCluster(args.processes, url, [pod_a, pod_b], Path(folder), redis_url=REDIS_URL)
                async with cluster:
                    n = 0
                    for _ in range(args.calls):
                        n += 1
                        await pod_a.replay(fresh(capture, n))
                        n += 1
                        await pod_b.replay(fresh(capture, n))
                    rows = await _rows(db, n)
                    await asyncio.sleep(1.0)  # any second writer would have flushed by now
                    rows = await _rows(db, n)
                    calls_phase = n
                    takeovers: list[float] = []
                    lost = 0
                    for _ in range(args.kills):
                        owner = (await cluster.owners())[ami_name(pod_a)]
                        n += 1
                        data = fresh(capture, n)
                        await pod_a.replay(data[:cut])
                        killed_at = time.monotonic()
                        owner.kill()
                        await pod_a.replay(data[cut:])
                        await cluster.wait_owner(ami_name(pod_a), timeout=60)
                        takeovers.append(time.monotonic() - killed_at)
                        if await _rows(db, n, timeout=20) < n:
                            lost += 1
                        owner.start()  # systemd's Restart=always
                        await cluster.wait_ready()
                    total = await _rows(db, n)
                    async with db.sessions() as session:
                        answered = int(await session.scalar(
                            select(func.count()).select_from(Call).where(Call.outcome == "answered")) or 0)
        return {"processes": args.processes, "calls": calls_phase, "rows": rows, "rows_per_call": rows / calls_phase,
                "kills": len(takeovers), "calls_total": n, "rows_total": total, "answered_rows": answered,
                "lost_calls": lost, "takeover_p50_s": statistics.median(takeovers),
                "takeover_max_s": max(takeovers)}
    finally:
        await db.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--calls", type=int, default=20, help="calls per pod before the kills")
    args = parser.parse_args()
    r = asyncio.run(run(args))
    print(f"scale-out, {r['processes']} helpline serve processes, 2 pods, PostgreSQL + Redis: "
          f"{r['rows']} rows for {r['calls']} calls ({r['rows_per_call']:.2f} per call); "
          f"{r['kills']} owner kills (SIGKILL mid-call): takeover p50 {r['takeover_p50_s']:.2f} s, "
          f"max {r['takeover_max_s']:.2f} s; {r['rows_total']} rows for {r['calls_total']} calls in all "
          f"({r['answered_rows']} answered), {r['lost_calls']} call(s) without a row")


if __name__ == "__main__":
    main()
