"""Dialer pacing (DESIGN §8): achieved calls/s against the target, and the most channels seen
at once against the campaign's limit.

    python -m bench.dialer_pacing [--seconds 60] [--rate 50] [--channels 200] [--limit 40]
                                  [--hold 1.0] [--pg] [--phase both|rate|limit]

Two phases, each with a fresh fake Asterisk and database:
- rate: `--channels` (200) is well above the calls in progress (rate × hold ≈ 50, more when a
  busy machine slows the fake Asterisk), so the pacer and the database alone set the pace:
  achieved calls/s must be within ±5 % of `--rate`;
- limit: the same rate with `--limit` (40) channels, fewer than the ≈ 50 calls the rate keeps
  in progress, so the limit binds: the peak must reach the limit and never pass it (calls/s
  then falls to about limit / call length, as it should).

The dialer process: a migrated database (a temporary SQLite file, or with --pg a temporary database
on the PostgreSQL server of HELPLINE_TEST_PG_URL, default postgres@127.0.0.1:5432) with a survey campaign of enough contacts, the fake
Asterisk manager (tests/fakes/ami_server.py) answering every Originate with the real
`originate-answered` frames stretched so a call lasts `--hold` seconds (in its own process,
like a real Asterisk), and the real DialerRunner over a real AMI connection. Calls/s is
counted from the Originate actions the fake received, from the first one on; channels from
the fake's own live-channel table (Newchannel → Hangup), sampled every 5 ms, and from the
runner's channel counter.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import os
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from config.reference import load_reference
from config.settings import Settings
from cti.ami.framing import AmiMessage
from cti.ami.pool import AmiPool
from dialer import admin
from dialer.runner import DialerConfig, DialerRunner
from grievance.service import Policy
from storage.db import Database
from storage.migrate import upgrade
from storage.seed import seed_reference
from tests.fakes.ami_server import FakeAmiServer, capture

IST = ZoneInfo("Asia/Kolkata")
SURVEY = [{"id": "q1", "prompt_hi": "लाभ मिला?", "prompt_en": "Benefit received?", "digits": {"1": "yes", "2": "no"}}]


def answered_span() -> float:
    """Seconds from the first event after the Originate to the Hangup in the capture."""
    stamps = [float(m.get("Timestamp")) for m in capture("originate-answered")
              if m.get("Timestamp") and m.event not in ("FullyBooted", "SuccessfulAuth")]
    return stamps[-1] - stamps[0]


async def prepare_db(url: str, contacts: int, rate: float, channels: int, now: datetime) -> int:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session_scope() as session:
            await seed_reference(session, load_reference())
        rows = "name,phone\n" + "".join(f"B{i},9{600000000 + i:09d}\n" for i in range(contacts))
        async with db.session_scope() as session:
            spec = admin.build_spec({"name": "pacing bench", "survey": SURVEY, "window": "00:00-23:59",
                                     "calls_per_second": rate, "max_channels": channels}, "09:00-21:00")
            campaign = await admin.create_campaign(session, spec, "bench", now)
            report = await admin.import_contacts(session, campaign.id, rows.encode(), now)
            assert report.imported == contacts
            await admin.change_state(session, campaign.id, "start", now)
            return campaign.id
    finally:
        await db.dispose()


PG_ADMIN = os.environ.get("HELPLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def bench(seconds: float, rate: float, channels: int, ami_url: str, pg: bool = False) -> dict[str, float]:
    if not pg:
        folder = Path(tempfile.mkdtemp(prefix="helpline-dialer-bench-"))
        return await run_bench(f"sqlite+aiosqlite:///{folder / 'bench.db'}", seconds, rate, channels, ami_url)
    name = f"helpline_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name
        return await run_bench(url, seconds, rate, channels, ami_url)
    finally:
        conn = await asyncpg.connect(PG_ADMIN)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def fake_asterisk(conn: mp.connection.Connection, hold: float) -> None:
    """Child process: the fake AMI; reports its port, then, when told to stop, what it saw."""

    async def serve() -> None:
        originated: list[float] = []
        peak = 0

        def script(action: AmiMessage) -> str:
            originated.append(time.monotonic())
            return "answered"

        async with FakeAmiServer(originate=script, time_scale=hold / answered_span()) as fake:
            conn.send(fake.url)
            loop = asyncio.get_running_loop()
            while not await loop.run_in_executor(None, conn.poll, 0.005):
                peak = max(peak, len(fake.channels)) if originated else 0
            window = conn.recv()
            conn.send({"originated": [t for t in originated if t < originated[0] + window] if originated else [],
                       "first": originated[0] if originated else None, "peak": peak})

    asyncio.run(serve())


async def run_bench(url: str, seconds: float, rate: float, channels: int, ami_url: str) -> dict[str, float]:
    now = datetime(2026, 11, 24, 6, 30, tzinfo=timezone.utc)  # noon in Kolkata
    await prepare_db(url, int(rate * seconds * 1.3) + 100, rate, channels, now)
    db = Database(url)
    pool = AmiPool(Settings(ami_urls=ami_url, database_url=url).ami_servers)
    pool_task = asyncio.create_task(pool.run())
    while not pool.any_connected:
        await asyncio.sleep(0.01)
    config = DialerConfig(result_grace_s=0.2, refresh_s=1.0, idle_poll_s=0.5, lease_s=60)
    runner = DialerRunner(db, pool, policy=Policy(timezone=IST), tz=IST, config=config, clock=lambda: now)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    while not runner.started:
        await asyncio.sleep(0.001)
    first = runner.started
    await asyncio.sleep(seconds)
    started = runner.started - first + 1
    await asyncio.sleep(0.5)
    stop.set()
    await task
    await pool.close()
    pool_task.cancel()
    await db.dispose()
    peak = max(c.pacer.channels.peak for c in runner.campaigns.values()) if runner.campaigns else 0
    return {"peak_channels_runner": peak, "started_cps": started / seconds}


def run_phase(args: argparse.Namespace, channels: int) -> tuple[float, int, int]:
    """One run with a fresh fake Asterisk: (achieved calls/s, peak at Asterisk, peak counted)."""
    parent, child = mp.Pipe()
    peer = mp.get_context("spawn").Process(target=fake_asterisk, args=(child, args.hold), daemon=True)
    peer.start()
    ami_url = parent.recv()
    out = asyncio.run(bench(args.seconds, args.rate, channels, ami_url, args.pg))
    parent.send(args.seconds)
    seen = parent.recv()
    peer.join(10)
    calls = len(seen["originated"])
    achieved = calls / args.seconds
    print(f"  calls/s: {achieved:.2f} achieved vs {args.rate:.0f} target "
          f"({100 * (achieved - args.rate) / args.rate:+.1f} %, {calls} calls; "
          f"{out['started_cps']:.2f}/s started by the runner's pacer)")
    print(f"  channels: peak {seen['peak']} at Asterisk, {out['peak_channels_runner']} counted by the runner, "
          f"limit {channels}")
    return achieved, int(seen["peak"]), int(out["peak_channels_runner"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--channels", type=int, default=200, help="channel limit of the rate phase")
    parser.add_argument("--limit", type=int, default=40, help="channel limit of the limit phase")
    parser.add_argument("--hold", type=float, default=1.0, help="seconds an answered call lasts")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--phase", choices=("both", "rate", "limit"), default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    began = time.perf_counter()
    print(f"dialer pacing on {'PostgreSQL' if args.pg else 'SQLite'}, {args.seconds:.0f} s per phase, "
          f"hold {args.hold} s per call; load average {_load()}")
    verdicts = []
    if args.phase in ("both", "rate"):
        print(f"rate phase (limit {args.channels}, above the calls in progress):")
        achieved, peak, counted = run_phase(args, args.channels)
        verdicts.append(f"rate {'within' if abs(achieved - args.rate) <= 0.05 * args.rate else 'OUTSIDE'} ±5 %")
        verdicts.append(f"peak {max(peak, counted)} {'<=' if max(peak, counted) <= args.channels else '>'} "
                        f"{args.channels}")
    if args.phase in ("both", "limit"):
        print(f"limit phase (limit {args.limit}, below the calls the rate keeps in progress):")
        _, peak, counted = run_phase(args, args.limit)
        top = max(peak, counted)
        verdicts.append(f"limit {'reached' if top >= args.limit else 'NOT reached'} and "
                        f"{'never passed' if top <= args.limit else 'PASSED'} ({top} of {args.limit})")
    print(f"verdict: {'; '.join(verdicts)}; {time.perf_counter() - began:.0f} s wall, "
          f"load average {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
