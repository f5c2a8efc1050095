"""A login spray against `helpline serve` while calls go on: FastAGI session time idle vs sprayed.

    python -m bench.login_spray [--rounds 5] [--seconds 6] [--sprayers 4] [--database-url URL]

Starts `helpline serve` (web, FastAGI, CTI, dialer on one event loop) on a fresh SQLite file,
then, in `--rounds` rounds of three interleaved slices (so a busy moment of a shared machine
hits every kind alike), measures `caller-lookup` FastAGI sessions (a fake Asterisk answering
every command, one session after another) and GET /api/v1/health:
  idle          — nothing else;
  spray         — `--sprayers` clients (in another process) POST /api/v1/auth/token with new
                  usernames as fast as they get answers, from one address (the address
                  throttle stops them after 30);
  spray-many    — the same, each request with its own X-Forwarded-For through a trusted proxy
                  (HELPLINE_TRUSTED_PROXIES=127.0.0.1): only the global password-check rate
                  and the worker pool stand between the spray and the calls.
Prints p50/p99/max of both, the login answers by status, and the p99 ratio to idle
(target: FastAGI p99 under a spray within 2x of idle).
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ENV = ("agi_network: yes\nagi_network_script: caller-lookup\nagi_request: agi://127.0.0.1:{port}/caller-lookup\n"
       "agi_channel: PJSIP/trunk-00000001\nagi_language: hi\nagi_type: PJSIP\nagi_uniqueid: 1795362053.{n}\n"
       "agi_version: 22.10.1\nagi_callerid: 9198123{n:05d}\nagi_calleridname: unknown\nagi_context: helpline-inbound\n"
       "agi_extension: 1076\nagi_priority: 5\nagi_enhanced: 0.0\nagi_accountcode: \nagi_threadid: 1\n\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def agi_session(port: int, n: int) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(ENV.format(port=port, n=n % 100000).encode())
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(b"200 result=1 (hi)\n" if line.startswith(b"GET") else b"200 result=1\n")
    writer.close()
    return (time.perf_counter() - started) * 1000


async def measure(agi_port: int, web: str, seconds: float) -> tuple[list[float], list[float]]:
    agi_ms: list[float] = []
    health_ms: list[float] = []
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=web, timeout=30) as client:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            agi_ms.append(await agi_session(agi_port, n))
            if n % 5 == 0:
                t = time.perf_counter()
                await client.get("/api/v1/health")
                health_ms.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.02)  # ~40 calls/s of IVR lookups
    return agi_ms, health_ms


async def spray(web: str, stop: asyncio.Event, many: bool, answers: Counter[int]) -> None:
    async with httpx.AsyncClient(base_url=web, timeout=30) as client:
        while not stop.is_set():
            headers = {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"} \
                if many else {}
            name = f"spray{random.randrange(10**9)}"
            try:
                r = await client.post("/api/v1/auth/token", json={"username": name, "password": "guess-guess"},
                                      headers=headers)
                answers[r.status_code] += 1
            except httpx.HTTPError:
                answers[0] += 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def spray_process(web: str, sprayers: int, many: bool, seconds: float, out: Any) -> None:
    """The sprayers in their own process, so they do not slow the measuring client."""

    async def run() -> Counter[int]:
        stop = asyncio.Event()
        answers: Counter[int] = Counter()
        tasks = [asyncio.create_task(spray(web, stop, many, answers)) for _ in range(sprayers)]
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*tasks)
        return answers

    out.put(dict(asyncio.run(run())))


async def slice_(agi_port: int, web: str, seconds: float, sprayers: int, many: bool | None,
                 answers: Counter[int]) -> tuple[list[float], list[float]]:
    process = None
    if many is not None:
        queue: Any = mp.Queue()
        process = mp.Process(target=spray_process, args=(web, sprayers, many, seconds + 1.0, queue))
        process.start()
        await asyncio.sleep(0.5)
    agi_ms, health_ms = await measure(agi_port, web, seconds)
    if process is not None:
        answers.update(await asyncio.to_thread(queue.get))
        process.join()
    return agi_ms, health_ms


def report(name: str, agi_ms: list[float], health_ms: list[float], answers: Counter[int]) -> float:
    print(f"{name:<11} FastAGI sessions {len(agi_ms):>5}: p50 {statistics.median(agi_ms):6.1f} ms  "
          f"p99 {pct(agi_ms, 0.99):6.1f} ms  max {max(agi_ms):6.1f} ms | /health p50 "
          f"{statistics.median(health_ms):6.1f} ms  p99 {pct(health_ms, 0.99):6.1f} ms"
          + (f" | logins by status {dict(sorted(answers.items()))}" if answers else ""))
    return pct(agi_ms, 0.99)


async def main_async(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="spray-"))
    db_url = args.database_url or f"sqlite+aiosqlite:///{folder}/helpline.db"
    web_port, agi_port = _free_port(), _free_port()
    env = {**os.environ, "HELPLINE_DATABASE_URL": db_url, "HELPLINE_SECRET_KEY": "spray-bench-secret-key-0123",
           "HELPLINE_WEB_PORT": str(web_port), "HELPLINE_AGI_PORT": str(agi_port), "HELPLINE_AMI_URLS": "",
           "HELPLINE_TRUSTED_PROXIES": "127.0.0.1"}
    subprocess.run([sys.executable, "-m", "helpline.cli", "db", "upgrade"], env=env, cwd=folder, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "helpline.cli", "db", "seed"], env=env, cwd=folder, check=True,
                   capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve"], env=env, cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    web = f"http://127.0.0.1:{web_port}"
    try:
        async with httpx.AsyncClient(base_url=web) as client:
            for _ in range(300):
                try:
                    if (await client.get("/api/v1/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        await measure(agi_port, web, 2)  # warm up
        kinds = {"idle": None, "spray": False, "spray-many": True}
        samples = {k: ([], [], Counter()) for k in kinds}
        for _ in range(args.rounds):  # interleaved, so a busy moment of the machine hits every kind alike
            for kind, many in kinds.items():
                agi_ms, health_ms = await slice_(agi_port, web, args.seconds, args.sprayers, many, samples[kind][2])
                samples[kind][0].extend(agi_ms)
                samples[kind][1].extend(health_ms)
        p99 = {kind: report(kind, *samples[kind]) for kind in kinds}
        print(f"FastAGI p99 under spray: {p99['spray'] / p99['idle']:.2f}x idle (one address), "
              f"{p99['spray-many'] / p99['idle']:.2f}x (many addresses); target <= 2x")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6, help="length of one slice")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of idle, spray, spray-many slices")
    parser.add_argument("--sprayers", type=int, default=4)
    parser.add_argument("--database-url", default="")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
