"""Scale-out: rows per call and owner failover time with several `helpline serve` processes.

    python -m bench.scale_failover [--processes 3] [--kills 20] [--calls 20] [--sockets 1000] [--rate 500]

PostgreSQL (HELPLINE_TEST_PG_URL's server, a scratch database `helpline_bench_<random>`,
dropped at the end) and Redis (HELPLINE_TEST_REDIS_URL). Two fake Asterisk pods replay the
`inbound-answered` capture with fresh call ids. `--sockets` agent websockets are spread over
the processes (round robin) and pod B replays the `burst` capture with fresh ids at `--rate`
events/s in the background. First `--calls` calls on each pod with every process running:
rows per call (must be 1.00), and the pop latency of pod A's calls: from just before the
capture is written to the fake Asterisk to `call.ringing` on agent1001's socket, which is on
a process that does not own pod A (the pop crosses Redis). Then `--kills` rounds on pod A: a call rings and
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

import json
from datetime import datetime, timezone

import asyncpg
from sqlalchemy import func, select
from websockets.asyncio.client import connect

from storage.db import Database
from storage.models import Call
from storage.seed import migrate_and_seed
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.serve_cluster import ServeCluster, ami_name, fresh
from tests.traces import ami as capture_bytes

PG_ADMIN_URL = os.environ.get("HELPLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HELPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


LINKEDID_RE = re.compile(rb"^Linkedid: (\S+)\r$", re.M)


def linkedids(data: bytes) -> set[str]:
    return {m.decode() for m in LINKEDID_RE.findall(data)}


async def _rows(db: Database, calls: set[str], expected: int, timeout: float = 30.0) -> int:
    """Rows of these calls (linkedids), once there are `expected` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        async with db.sessions() as session:
            count = int(await session.scalar(select(func.count()).select_from(Call).where(
                Call.linkedid.in_(calls))) or 0)
        if count >= expected or time.monotonic() > deadline:
            return count
        await asyncio.sleep(0.1)


async def _agents(db: Database, count: int) -> list[tuple[int, str]]:
    """agent1001 (the captures' agent) and `count - 1` more agent users."""
    from agent_console.auth import hash_password
    from storage.models import User

    now = datetime.now(timezone.utc)
    password = hash_password("bench-password")
    names = ["agent1001"] + [f"bench{n:04d}" for n in range(count - 1)]
    async with db.session_scope() as session:
        rows = [User(username=name, password_hash=password, role="agent", extension=name, languages="hi",
                     active=True, created_at=now) for name in names]
        session.add_all(rows)
        await session.flush()
        return [(u.id, u.username) for u in rows]


async def _background(pod: FakeAmiServer, rate: float, stop: asyncio.Event) -> int:
    """The burst capture, fresh ids each pass, at `rate` events/s (in slices of 0.1 s)."""
    burst = capture_bytes("burst")
    frames = [f + b"\r\n\r\n" for f in burst.split(b"\r\n\r\n") if f.startswith(b"Event: ")
              and not f.startswith((b"Event: FullyBooted", b"Event: SuccessfulAuth"))]
    per_slice = max(1, int(rate / 10))
    sent, n, loop = 0, 10_000, asyncio.get_running_loop()
    next_at = loop.time()
    while not stop.is_set():
        n += 1
        chunk = fresh(b"".join(frames), n)
        parts = [p + b"\r\n\r\n" for p in chunk.split(b"\r\n\r\n") if p]
        for start in range(0, len(parts), per_slice):
            if stop.is_set():
                break
            await pod.replay(b"".join(parts[start:start + per_slice]))
            sent += len(parts[start:start + per_slice])
            next_at += 0.1
            await asyncio.sleep(max(0.0, next_at - loop.time()))
    return sent


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
        users = await _agents(db, max(1, args.sockets))
        async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
            pod_a.register("agent1001")
            with tempfile.TemporaryDirectory() as folder:
                cluster = ServeCluster(args.processes, url, [pod_a, pod_b], Path(folder), redis_url=REDIS_URL)
                async with cluster:
                    from agent_console.auth import issue_token
                    from tests.fakes.serve_cluster import SECRET

                    owner_a = (await cluster.owners())[ami_name(pod_a)]
                    others = [p for p in cluster.processes if p is not owner_a] or cluster.processes
                    sockets = []
                    for i, (uid, name) in enumerate(users):
                        where = others[0] if name == "agent1001" else cluster.processes[i % len(cluster.processes)]
                        ws = await connect(f"{where.ws_base}/ws/agent?token={issue_token(SECRET, uid, name, 'agent', 7200)}",
                                           max_queue=None, ping_interval=None, open_timeout=30)
                        await asyncio.wait_for(ws.recv(), 30)  # the snapshot
                        sockets.append(ws)
                    desk = sockets[0]
                    stop_bg = asyncio.Event()
                    background = asyncio.create_task(_background(pod_b, args.rate, stop_bg))
                    bg_started = time.monotonic()
                    latencies: list[float] = []
                    ours: set[str] = set()
                    n = 0
                    for _ in range(args.calls):
                        n += 1
                        sent_at = time.perf_counter()
                        data = fresh(capture, n)
                        ours |= linkedids(data)
                        await pod_a.replay(data)
                        async with asyncio.timeout(30):
                            while json.loads(await desk.recv()).get("type") != "call.ringing":
                                pass
                        latencies.append(time.perf_counter() - sent_at)
                        await asyncio.sleep(0.2)
                    stop_bg.set()
                    bg_events = await background
                    bg_rate = bg_events / (time.monotonic() - bg_started)
                    for _ in range(args.calls):
                        n += 1
                        data = fresh(capture, n)
                        ours |= linkedids(data)
                        await pod_b.replay(data)
                    rows = await _rows(db, ours, n)
                    await asyncio.sleep(1.0)  # any second writer would have flushed by now
                    rows = await _rows(db, ours, n)
                    calls_phase = n
                    takeovers: list[float] = []
                    lost = 0
                    for _ in range(args.kills):
                        owner = (await cluster.owners())[ami_name(pod_a)]
                        n += 1
                        data = fresh(capture, n)
                        ours |= linkedids(data)
                        await pod_a.replay(data[:cut])
                        killed_at = time.monotonic()
                        owner.kill()
                        await pod_a.replay(data[cut:])
                        await cluster.wait_owner(ami_name(pod_a), timeout=60)
                        takeovers.append(time.monotonic() - killed_at)
                        if await _rows(db, ours, n, timeout=20) < n:
                            lost += 1
                        owner.start()  # systemd's Restart=always
                        await cluster.wait_ready()
                    total = await _rows(db, ours, n)
                    for ws in sockets:
                        await ws.close()
                    async with db.sessions() as session:
                        answered = int(await session.scalar(
                            select(func.count()).select_from(Call).where(
                                Call.outcome == "answered", Call.linkedid.in_(ours))) or 0)
        ms = sorted(1000 * x for x in latencies)
        return {"processes": args.processes, "calls": calls_phase, "rows": rows, "rows_per_call": rows / calls_phase,
                "sockets": len(users), "background_events_per_s": bg_rate,
                "pop_p50_ms": statistics.median(ms), "pop_p99_ms": ms[int(0.99 * (len(ms) - 1))], "pop_max_ms": ms[-1],
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
    parser.add_argument("--sockets", type=int, default=1000, help="agent websockets over the processes")
    parser.add_argument("--rate", type=float, default=500.0, help="background AMI events/s on pod B")
    args = parser.parse_args()
    r = asyncio.run(run(args))
    print(f"scale-out, {r['processes']} helpline serve processes, 2 pods, PostgreSQL + Redis, "
          f"{r['sockets']} agent sockets, {r['background_events_per_s']:.0f} background events/s: "
          f"pop (capture written -> call.ringing on a socket of another process) p50 {r['pop_p50_ms']:.1f} ms, "
          f"p99 {r['pop_p99_ms']:.1f} ms, max {r['pop_max_ms']:.1f} ms; "
          f"{r['rows']} rows for {r['calls']} calls ({r['rows_per_call']:.2f} per call); "
          f"{r['kills']} owner kills (SIGKILL mid-call): takeover p50 {r['takeover_p50_s']:.2f} s, "
          f"max {r['takeover_max_s']:.2f} s; {r['rows_total']} rows for {r['calls_total']} calls in all "
          f"({r['answered_rows']} answered), {r['lost_calls']} call(s) without a row")


if __name__ == "__main__":
    main()
