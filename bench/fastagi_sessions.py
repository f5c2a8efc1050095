"""FastAGI sessions per second: `python -m bench.fastagi_sessions [--sessions N]`.

The server (this process) runs a 5-command route: GET VARIABLE, SET VARIABLE twice, VERBOSE,
STREAM FILE. Lean fake callers in a separate process (raw asyncio protocols, canned replies,
the end-of-session HANGUP) keep `--concurrency` sessions open at once over loopback.
Prints sessions/s, p50/p99 session time seen by the callers, and the server's CPU time per
session. Target (DESIGN §8): ≥ 2,000 sessions/s with 50 concurrent callers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import time
from functools import partial

from ivr.fastagi import AgiChannel, FastAgiServer

ENV = (
    "agi_network: yes\nagi_network_script: bench\nagi_request: agi://127.0.0.1:4573/bench\n"
    "agi_channel: PJSIP/sipp-trunk-00000000\nagi_language: hi\nagi_type: PJSIP\n"
    "agi_uniqueid: 1795362053.0\nagi_version: 22.10.1\nagi_callerid: 919812345678\n"
    "agi_calleridname: unknown\nagi_callingpres: 0\nagi_callingani2: 0\nagi_callington: 0\n"
    "agi_callingtns: 0\nagi_dnid: 1076\nagi_rdnis: unknown\nagi_context: helpline-inbound\n"
    "agi_extension: 1076\nagi_priority: 5\nagi_enhanced: 0.0\nagi_accountcode: \n"
    "agi_threadid: 139869460448960\n\n"
).encode("ascii")
REPLY_GET = b"200 result=1 (hi)\n"
REPLY_STREAM = b"200 result=0 endpos=16184\n"
REPLY_OK = b"200 result=1\n"


async def bench_route(channel: AgiChannel) -> None:
    language = await channel.get_variable("CHANNEL(language)")
    await channel.set_variable("HELPLINE_LANG", language or "hi")
    await channel.set_variable("HELPLINE_CALLER_KNOWN", "1")
    await channel.verbose("bench session")
    await channel.stream_file("vm-enter-num-to-call")


class _Caller(asyncio.Protocol):
    """One fake Asterisk session: env, one canned reply per command line, HANGUP at the end."""

    def __init__(self, done: asyncio.Future[None]) -> None:
        self.done = done
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(ENV)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (end := self.buffer.find(b"\n")) >= 0:
            line, self.buffer = self.buffer[:end], self.buffer[end + 1:]
            if line.startswith(b"GET VARIABLE"):
                self.transport.write(REPLY_GET)
            elif line.startswith(b"STREAM FILE"):
                self.transport.write(REPLY_STREAM)
            else:
                self.transport.write(REPLY_OK)

    def eof_received(self) -> bool:
        assert self.transport is not None
        self.transport.write(b"HANGUP\n")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def run_callers(host: str, port: int, sessions: int, concurrency: int) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    durations: list[float] = []
    remaining = sessions

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            done: asyncio.Future[None] = loop.create_future()
            await loop.create_connection(partial(_Caller, done), host, port)
            await done
            durations.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    wall = time.perf_counter() - started
    durations.sort()
    return {
        "sessions": len(durations),
        "wall_s": wall,
        "p50_ms": statistics.median(durations) * 1000,
        "p99_ms": durations[min(len(durations) - 1, int(len(durations) * 0.99))] * 1000,
    }


async def run_server(args: argparse.Namespace) -> dict[str, object]:
    async with FastAgiServer({"bench": bench_route}, "127.0.0.1", 0) as server:
        command = [sys.executable, "-m", "bench.fastagi_sessions", "--client",
                   "--port", str(server.port), "--sessions", str(args.sessions),
                   "--concurrency", str(args.concurrency)]
        cpu = time.process_time()
        process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
        out, _ = await process.communicate()
        cpu = time.process_time() - cpu
        if process.returncode != 0:
            raise SystemExit(f"caller process failed with exit code {process.returncode}")
        result: dict[str, object] = json.loads(out)
        result.update(server_sessions=server.sessions, server_errors=server.errors,
                      server_cpu_ms_per_session=cpu * 1000 / max(1, server.sessions))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        result = asyncio.run(run_callers("127.0.0.1", args.port, args.sessions, args.concurrency))
        print(json.dumps(result))
        return
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run_server(args))
    wall = float(result["wall_s"])  # type: ignore[arg-type]
    sessions = int(result["sessions"])  # type: ignore[call-overload]
    print(f"FastAGI: {sessions} sessions (5 commands each), {args.concurrency} concurrent callers")
    print(f"  {sessions / wall:,.0f} sessions/s   (target >= 2,000)")
    print(f"  session time p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms")
    cpu_ms = float(result["server_cpu_ms_per_session"])  # type: ignore[arg-type]
    print(f"  server CPU {cpu_ms:.3f} ms/session (= {1000 / cpu_ms:,.0f} sessions/s per core); "
          f"server sessions {result['server_sessions']}, errors {result['server_errors']}")
    if result["server_sessions"] != sessions or result["server_errors"]:
        raise SystemExit("the server did not complete every session")


if __name__ == "__main__":
    main()
