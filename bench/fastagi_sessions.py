"""FastAGI sessions per second: `python -m bench.fastagi_sessions [--sessions N]`.

The server (this process) runs a 5-command route: GET VARIABLE, SET VARIABLE twice, VERBOSE,
STREAM FILE. Lean fake callers in a separate process (raw asyncio protocols, canned replies,
the end-of-session HANGUP) keep `--concurrency` sessions open at once over loopback.
Prints sessions/s, p50/p99 session time seen by the callers, and the server's CPU time per
session. Target (DESIGN §8): ≥ 2,000 sessions/s with 50 concurrent callers.

Alongside (default): panoramisk 1.4's FastAGI server running the same five commands; the
floor, raw sockets each on the loop's `add_reader` sending them with no task and no parsing:
what any server watching each socket with the loop pays at least (accept, reads, writes,
close), so panoramisk's CPU over the floor's is the most such a server can beat panoramisk by
(ours watches all its sockets through one epoll of its own, and can go below it); and the
transport floor, the same from a bare BufferedProtocol on asyncio's own transports.

Measured (2-core machine; CPU per session, best of 3 rounds each):
stdlib asyncio, quiet machine (load 0.2-1.6), 2026-12-06, three runs: ours 0.186 / 0.177 / 0.189
ms, panoramisk 0.373 / 0.373 / 0.382 (2.01x, 2.11x, 2.02x; 2.09x, 2.10x in two later runs),
floor 0.146-0.150, transport floor 0.184-0.188: ours is 0.03-0.04 ms above the floor. Load 4.0-4.7 (stop 21, the server
before its epoll, deadline slots and lazy environment): ours 0.087-0.091 ms, panoramisk
0.196-0.215 (2.25x), floor 0.056-0.066.
With MALLOC_MMAP_THRESHOLD_=1048576 for every process (stop 21): ours 0.113-0.123, panoramisk
0.188-0.200 (1.66x): the stdlib callers then shrink and regrow their heap (brk) on every
256 KiB read, become the bottleneck, and a fast server pays a loop wake-up for nearly every
event. `--client-loop uvloop` keeps every server busy: with the same setting ours 0.092-0.094,
panoramisk 0.188-0.194 (2.04x), floor 0.041-0.049.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from functools import partial
from typing import Any, cast

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
        self.transport = cast(asyncio.Transport, transport)
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


async def _pano_route(request: Any) -> None:
    """The same five commands through panoramisk's FastAGI `Request.send_command`."""
    reply = await request.send_command('GET VARIABLE "CHANNEL(language)"')
    language = reply.get("result", ("", ""))[1] or "hi"
    await request.send_command(f"SET VARIABLE HELPLINE_LANG {language}")
    await request.send_command("SET VARIABLE HELPLINE_CALLER_KNOWN 1")
    await request.send_command('VERBOSE "bench session" 1')
    await request.send_command('STREAM FILE vm-enter-num-to-call ""')


FLOOR_COMMANDS = [b'GET VARIABLE "CHANNEL(language)"\n', b"SET VARIABLE HELPLINE_LANG hi\n",
                  b"SET VARIABLE HELPLINE_CALLER_KNOWN 1\n", b'VERBOSE "bench session" 1\n',
                  b'STREAM FILE vm-enter-num-to-call ""\n']


class _Transport(asyncio.BufferedProtocol):
    """The transport floor: the same five commands from a bare callback Protocol on asyncio's
    own transports (create_server), no task, no parsing beyond finding line ends, reading into
    one shared buffer (a plain Protocol on asyncio's selector loop pays a 256 KiB allocation
    per read: mmap, mremap, munmap). What any server built on loop transports pays at least."""

    view = memoryview(bytearray(262144))

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.buffer = b""
        self.step = -1
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        assert self.transport is not None
        self.buffer += self.view[:nbytes]
        if self.step < 0:
            end = self.buffer.find(b"\n\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 2:]
        else:
            end = self.buffer.find(b"\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 1:]
        self.step += 1
        if self.step < len(FLOOR_COMMANDS):
            self.transport.write(FLOOR_COMMANDS[self.step])
        else:
            self.counts["sessions"] += 1
            self.transport.close()


class _Floor:
    """The floor: the same five commands with no transport, no task and no parsing beyond
    finding line ends: the listening socket and each connection watched with `add_reader`
    (connections accepted in a batch per wake-up, TCP_NODELAY inherited from the listening
    socket), one callback per read into one shared buffer, `send`, then close. The least any
    server pays on this loop: accept, epoll registration, reads, writes, close."""

    view = memoryview(bytearray(262144))

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket,
                 counts: dict[str, int]) -> None:
        self.loop = loop
        self.sock = sock
        self.fd = sock.fileno()
        self.counts = counts
        self.buffer = b""
        self.step = -1
        loop.add_reader(self.fd, self.read_ready)

    @classmethod
    async def listen(cls, counts: dict[str, int]) -> socket.socket:
        loop = asyncio.get_running_loop()
        listener = socket.socket()
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(100)
        listener.setblocking(False)

        def accept() -> None:
            for _ in range(100):
                try:
                    sock, _ = listener.accept()
                except BlockingIOError:
                    return
                sock.setblocking(False)
                cls(loop, sock, counts)

        loop.add_reader(listener.fileno(), accept)
        return listener

    def read_ready(self) -> None:
        try:
            nbytes = self.sock.recv_into(self.view)
        except BlockingIOError:
            return
        if not nbytes:  # the caller gave up
            self.loop.remove_reader(self.fd)
            self.sock.close()
            return
        self.buffer += self.view[:nbytes]
        if self.step < 0:
            end = self.buffer.find(b"\n\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 2:]
        else:
            end = self.buffer.find(b"\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 1:]
        self.step += 1
        if self.step < len(FLOOR_COMMANDS):
            self.sock.send(FLOOR_COMMANDS[self.step])
        else:
            self.counts["sessions"] += 1
            self.loop.remove_reader(self.fd)
            self.sock.close()


async def run_server(args: argparse.Namespace) -> dict[str, object]:
    """One server (`args.serve`: ours or panoramisk) in this process, the callers in another."""
    counts = {"sessions": 0, "errors": 0}
    if args.serve == "floor":
        listener = await _Floor.listen(counts)
        port = listener.getsockname()[1]
        closer: Any = listener
    elif args.serve == "transport":
        floor = await asyncio.get_running_loop().create_server(
            lambda: _Transport(counts), "127.0.0.1", 0)
        port = floor.sockets[0].getsockname()[1]
        closer = floor
    elif args.serve == "panoramisk":
        from panoramisk.fast_agi import Application

        async def route(request: Any) -> None:
            try:
                await _pano_route(request)
            except Exception:
                counts["errors"] += 1
                raise
            counts["sessions"] += 1

        app = Application()
        app.add_route("bench", route)
        server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        closer = server
    else:
        ours = FastAgiServer({"bench": bench_route}, "127.0.0.1", 0)
        await ours.start()
        port = ours.port
        closer = ours
    command = [sys.executable, "-m", "bench.fastagi_sessions", "--client",
               "--port", str(port), "--sessions", str(args.sessions),
               "--concurrency", str(args.concurrency), "--loop", args.client_loop or args.loop]
    gc.collect()
    gc.freeze()
    before = os.times()
    process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
    out, _ = await process.communicate()
    after = os.times()
    if args.serve == "floor":
        asyncio.get_running_loop().remove_reader(closer.fileno())
        closer.close()
    elif args.serve != "ours":
        closer.close()
    else:
        await closer.close()
        counts = {"sessions": ours.sessions, "errors": ours.errors}
    if process.returncode != 0:
        raise SystemExit(f"caller process failed with exit code {process.returncode}")
    result: dict[str, object] = json.loads(out)
    done = max(1, counts["sessions"])
    result.update(server_sessions=counts["sessions"], server_errors=counts["errors"],
                  user_ms=(after.user - before.user) * 1000 / done,
                  sys_ms=(after.system - before.system) * 1000 / done)
    return result


def one_run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """A fresh server process of `kind` (and its caller process); its JSON result."""
    command = [sys.executable, "-m", "bench.fastagi_sessions", "--serve", kind,
               "--sessions", str(args.sessions), "--concurrency", str(args.concurrency),
               "--loop", args.loop]
    if args.client_loop:
        command += ["--client-loop", args.client_loop]
    out = subprocess.run(command, stdout=subprocess.PIPE, check=True).stdout
    result: dict[str, Any] = json.loads(out)
    result["rate"] = result["sessions"] / result["wall_s"]
    result["cpu_ms"] = result["user_ms"] + result["sys_ms"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10000, help="sessions per run")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (ours, panoramisk), alternated so both see the same load")
    parser.add_argument("--ours-only", action="store_true", help="skip panoramisk")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                        help="event loop of every process, both servers and the callers")
    parser.add_argument("--client-loop", choices=("asyncio", "uvloop"),
                        help="event loop of the callers only (default: --loop); uvloop callers "
                             "keep even the floor busy, so no server's CPU per session counts "
                             "wake-ups spent waiting on slow callers")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=("ours", "panoramisk", "floor", "transport"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        result = _run(run_callers("127.0.0.1", args.port, args.sessions, args.concurrency), args.loop)
        print(json.dumps(result))
        return
    logging.basicConfig(level=logging.WARNING)
    if args.serve:
        print(json.dumps(_run(run_server(args), args.loop)))
        return
    kinds = ["ours"] if args.ours_only else ["ours", "panoramisk", "floor", "transport"]
    print(f"FastAGI: {args.sessions} sessions (5 commands each) per run, {args.concurrency} "
          f"concurrent callers, {args.rounds} rounds, {args.loop} loop (callers: "
          f"{args.client_loop or args.loop}); load average {_load()}")
    print(f"{'server':<11} {'sessions/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/session':>15}"
          f" {'(user+sys)':>12}")
    results: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    failed = False
    for round_no in range(args.rounds):
        for kind in (kinds if round_no % 2 == 0 else kinds[::-1]):
            r = one_run(kind, args)
            results[kind].append(r)
            failed |= r["server_sessions"] != r["sessions"] or bool(r["server_errors"])
            print(f"{kind:<11} {r['rate']:>10,.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} "
                  f"{r['cpu_ms']:>15.3f} {r['user_ms']:>6.3f}+{r['sys_ms']:.3f}", flush=True)
    best = {kind: max(r["rate"] for r in rs) for kind, rs in results.items()}
    cpu = {kind: min(r["cpu_ms"] for r in rs) for kind, rs in results.items()}
    print(f"ours: best {best['ours']:,.0f} sessions/s (target >= 2,000), "
          f"{cpu['ours']:.3f} ms CPU/session (= {1000 / cpu['ours']:,.0f} sessions/s per core)")
    if "panoramisk" in results:
        ratios = [o["rate"] / p["rate"] for o, p in zip(results["ours"], results["panoramisk"])]
        print(f"against panoramisk 1.4: CPU per session (the ranking a busy machine does not "
              f"distort) {cpu['panoramisk'] / cpu['ours']:.2f}x (panoramisk's / ours, best of each); "
              f"wall sessions/s {best['ours'] / best['panoramisk']:.2f}x best to best "
              f"(per round {', '.join(f'{x:.2f}x' for x in ratios)})")
        above = cpu["ours"] - cpu["floor"]
        print(f"floor (raw sockets, each on the loop's add_reader, no task, no parsing): "
              f"{cpu['floor']:.3f} ms CPU/session, best {best['floor']:,.0f} sessions/s: a server "
              f"watching each socket with add_reader cannot beat panoramisk by more than "
              f"{cpu['panoramisk'] / cpu['floor']:.2f}x in CPU per session; ours (one epoll for "
              f"its sockets) is {abs(above):.3f} ms {'above' if above >= 0 else 'below'} it")
        print(f"transport floor (bare BufferedProtocol on create_server): "
              f"{cpu['transport']:.3f} ms CPU/session: asyncio's transports cost "
              f"{cpu['transport'] - cpu['floor']:.3f} ms per session over the floor")
    print(f"load average after: {_load()}")
    if failed:
        raise SystemExit("a server did not complete every session")


def _run(coro: Any, loop: str) -> Any:
    if loop == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    return asyncio.run(coro)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
