"""Screen-pop latency: AgentCalled sent by the PBX -> call.ringing JSON on the agent's websocket.

    python -m bench.screen_pop [--agents 1000] [--cases calm,busy,no-ivr] [--duration 60]

Two processes. The server process is `helpline serve`'s CTI and web parts (run_cti + uvicorn
with websockets-sansio, gc.freeze after start as serve does) on a SQLite database holding one
citizen with a complaint per agent. The load process runs the fake AMI server and `--agents`
websocket clients (one per agent user, `websockets` library), all connected before the
measuring starts, and every one of them receives real traffic:

- background calls: the real `ami/burst.txt` capture replayed in a loop with fresh channel ids,
  its three agents mapped to three other connected agents at each loop (ringing, answered,
  ended, wrap-up pops and call rows);
- agent states: each connected agent is paused and unpaused in turn (QueueMemberPause), one
  agent.state message per socket every `--state-every` seconds;
- measured calls, `--pop-rate` a second, each to the next connected agent in turn: Newchannel
  and QueueCallerJoin, then AgentCalled `--ivr-s` later (the time the caller spends in the IVR,
  during which the CTI looks the caller up).

Cases (each `--duration` seconds on the same server and sockets, one after the other):
calm (`--calm-rate` background events/s), busy (`--busy-rate`) and no-ivr (busy, and AgentCalled
written together with the call's first events: the pop goes out before the caller lookup is
done and the history follows as `call.context`). Latency = from just before AgentCalled is
written to the moment the agent's client has the `call.ringing` message, on the load process's
clock. Each case reports p50/p99/max, the server's garbage collections during the window (per
generation, with the longest pause), and the sockets that received a message. The server's
objects tracked by the collector are counted before and after the sockets connect (per socket).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import multiprocessing as mp
import os
import random
import re
import socket
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

SECRET = "bench-secret"
ID_RE = re.compile(rb"^((?:Dest)?(?:Uniqueid|Linkedid)): (\d+\.\d+)\r$", re.M)


# -- the server process ----------------------------------------------------------------------

def _server(db_url: str, ami_url: str, sock: socket.socket, gc_freeze: bool = True,
            stats_path: str | None = None, gc_threshold: tuple[int, ...] = ()) -> None:
    import gc
    import logging

    logging.basicConfig(level=logging.WARNING)
    if gc_threshold:
        gc.set_threshold(*gc_threshold)
    asyncio.run(_serve(db_url, ami_url, sock, gc_freeze, stats_path, gc_threshold))


class GcStats:
    """The server's garbage collections (per generation: how many, total and longest pause),
    written to `path` every 0.2 s with, on request (`path`.req holding a number), how many
    objects the collector tracks (frozen ones excluded: they are never walked) and how many are
    frozen. Both counts walk the collector's lists (gc.get_freeze_count() walks the ≈160,000
    frozen objects: 10–40 ms), so they are taken only on request, never inside a window: read
    every 0.2 s, the freeze count alone stalled the server's loop 5–20 % of the time and was the
    pop's p99 (issue 10)."""

    def __init__(self, path: Path) -> None:
        self.path, self.request = path, path.with_suffix(".req")
        self.count, self.total_ms, self.max_ms = [0, 0, 0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]
        self.objects: int | None = None
        self.types: list[tuple[str, int]] = []
        self.answered = -1
        self.frozen = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        gen, took = info["generation"], (time.perf_counter() - self._started) * 1000
        self.count[gen] += 1
        self.total_ms[gen] += took
        self.max_ms[gen] = max(self.max_ms[gen], took)

    async def run(self) -> None:
        import gc

        gc.callbacks.append(self)
        while True:
            await asyncio.sleep(0.2)
            if self.request.exists():
                asked = int(self.request.read_text() or 0)
                self.request.unlink()
                tracked = gc.get_objects()
                self.objects, self.answered = len(tracked), asked
                self.frozen = gc.get_freeze_count()
                self.types = collections.Counter(type(o).__qualname__ for o in tracked).most_common(25)
                del tracked
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"count": self.count, "total_ms": self.total_ms, "max_ms": self.max_ms,
                                       "objects": self.objects, "answered": self.answered, "types": self.types,
                                       "frozen": self.frozen}))
            tmp.replace(self.path)


async def _serve(db_url: str, ami_url: str, sock: socket.socket, gc_freeze: bool = True,
                 stats_path: str | None = None, gc_threshold: tuple[int, ...] = ()) -> None:
    import uvicorn

    from agent_console.app import create_app
    from common.context import AppContext
    from config.settings import Settings
    from cti.run import run_cti
    from storage.db import Database

    settings = Settings(database_url=db_url, ami_urls=ami_url, secret_key=SECRET, redis_url="")
    db = Database(db_url)
    ctx = AppContext.build(settings, db)
    stop = asyncio.Event()
    config = uvicorn.Config(create_app(ctx), ws="websockets-sansio", log_level="warning",
                            lifespan="off", access_log=False, ws_ping_interval=None, backlog=4096)
    server = uvicorn.Server(config)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(run_cti(ctx, stop))
        tg.create_task(server.serve(sockets=[sock]))
        if stats_path:
            tg.create_task(GcStats(Path(stats_path)).run())
        if gc_freeze:  # as `helpline serve` does (helpline.gcfreeze)
            from helpline.gcfreeze import run_gc_freeze

            tg.create_task(run_gc_freeze(ctx, stop, delay=2.0, **({"threshold": gc_threshold} if gc_threshold else {})))


# -- database ------------------------------------------------------------------------------

async def prepare_db(path: Path, agents: int) -> tuple[str, list[tuple[int, str]]]:
    """Migrated, seeded SQLite with `agents` agent users and a citizen + complaint each."""
    from agent_console.auth import hash_password
    from config.reference import load_reference
    from grievance import numbers
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Citizen, Complaint, User
    from storage.seed import seed_reference

    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    now = datetime.now(timezone.utc)
    users: list[tuple[int, str]] = []
    try:
        async with db.session_scope() as session:
            await seed_reference(session, load_reference())
            password = hash_password("bench-password")
            rows = [User(username=f"bench{n:04d}", password_hash=password, role="agent",
                         extension=f"bench{n:04d}", languages="hi", active=True, created_at=now)
                    for n in range(agents)]
            session.add_all(rows)
            await session.flush()
            users = [(u.id, u.username) for u in rows]
            for n in range(agents):
                citizen = Citizen(phone=f"+919800{n:06d}"[:13], name=f"Citizen {n}", district_code="LKO",
                                  language="hi", created_at=now)
                session.add(citizen)
                await session.flush()
                session.add(Complaint(number=numbers.make("2511", n + 1), citizen_id=citizen.id, phone=citizen.phone,
                                      district_code="LKO", department_code="ELE", category_code="ELE-SUPPLY",
                                      description="bench complaint", channel="phone", state="at_l1", level=1,
                                      officer_code="ELE-LKO-L1", registered_at=now, assigned_at=now,
                                      due_at=now + timedelta(days=7)))
    finally:
        await db.dispose()
    return url, users


# -- traffic --------------------------------------------------------------------------------

BURST_AGENTS = (b"agent1001", b"agent1002", b"agent1003")


def background_frames(loop: int, agents: int = 0) -> list[bytes]:
    """burst.txt's events with channel ids made unique for replay number `loop`; with `agents`,
    its three agents become bench agents 3*loop .. 3*loop+2 (modulo `agents`), so its pops go
    to connected sockets."""
    from tests.traces import ami as read_capture

    data = read_capture("burst")
    body = data[data.index(b"\r\n") + 2:]
    if agents:
        for i, name in enumerate(BURST_AGENTS):
            body = body.replace(name, b"bench%04d" % ((3 * loop + i) % agents))
    frames = [f + b"\r\n\r\n" for f in body.split(b"\r\n\r\n") if f.startswith(b"Event: ")
              and not f.startswith((b"Event: FullyBooted", b"Event: SuccessfulAuth"))]
    suffix = f"{loop:05d}".encode()
    return [ID_RE.sub(lambda m: m.group(1) + b": " + m.group(2) + suffix + b"\r", f) for f in frames]


def pause_frame(agent: int, paused: bool) -> bytes:
    """QueueMemberPause of one bench agent (an agent.state pop on its socket)."""
    from tests.fakes.ami_server import event_of, replaced

    name = f"bench{agent:04d}"
    return replaced(event_of("inbound-abandoned", "QueueMemberPause"), Interface=f"PJSIP/{name}",
                    StateInterface=f"PJSIP/{name}", MemberName=name, Paused="1" if paused else "0",
                    PausedReason="bench" if paused else "", Timestamp=f"{time.time():.6f}").to_bytes()


def measured_call(n: int, agent: int) -> tuple[bytes, bytes, bytes, str]:
    """Newchannel + QueueCallerJoin, AgentCalled, the Hangup that ends the call; the call id."""
    from tests.fakes.ami_server import event_of, replaced

    uid = f"9{n:09d}.0"
    caller = f"919800{agent:06d}"[:12]
    values = {"Uniqueid": uid, "Linkedid": uid, "Channel": f"PJSIP/sipp-trunk-b{n:07x}",
              "CallerIDNum": caller, "Timestamp": f"{time.time():.6f}"}
    frames = [replaced(event_of("inbound-answered", "Newchannel"), **values),
              replaced(event_of("inbound-answered", "QueueCallerJoin"), **values),
              replaced(event_of("inbound-answered", "AgentCalled"), **values,
                       Interface=f"PJSIP/bench{agent:04d}", MemberName=f"bench{agent:04d}",
                       DestChannel=f"PJSIP/bench{agent:04d}-{n:08x}", DestUniqueid=f"8{n:09d}.1",
                       DestLinkedid=uid)]
    hangup = replaced(event_of("inbound-abandoned", "Hangup"), **values)
    return frames[0].to_bytes() + frames[1].to_bytes(), frames[2].to_bytes(), hangup.to_bytes(), uid


def percentile(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, int(q * len(ms)))] if ms else float("nan")


class Load:
    """The load process's side: the fake AMI server, the sockets, the traffic, the figures."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pending: dict[str, float] = {}
        self.latencies: list[float] = []
        self.received = 0
        self.heard: set[int] = set()  # sockets that received a message in the current window
        self.contexts = 0  # call.context follow-ups received in the current window
        self.next_state = 0  # the next QueueMemberPause: agent = n % agents, paused on even rounds
        self.stats_path: Path | None = None
        self.server_pid = 0

    def server_cpu_s(self) -> float:
        """The server process's CPU time so far (user + system, from /proc; 0 where there is none)."""
        try:
            fields = Path(f"/proc/{self.server_pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def server_stats(self) -> dict:
        assert self.stats_path is not None
        for _ in range(50):
            try:
                return json.loads(self.stats_path.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        raise RuntimeError("the server writes no GC figures")

    async def tracked_objects(self, asked: int) -> tuple[int, dict[str, int]]:
        """How many objects the server's collector tracks, and how many of each type."""
        assert self.stats_path is not None
        self.stats_path.with_suffix(".req").write_text(str(asked))
        async with asyncio.timeout(30):
            while (stats := self.server_stats())["answered"] != asked:
                await asyncio.sleep(0.1)
        return int(stats["objects"]), dict(stats["types"])

    async def client(self, port: int, index: int, user_id: int, name: str) -> None:
        from websockets.asyncio.client import connect

        from agent_console.auth import issue_token

        token = issue_token(SECRET, user_id, name, "agent", 7200)
        for attempt in range(50):
            try:
                ws = await connect(f"ws://127.0.0.1:{port}/ws/agent?token={token}", ping_interval=None,
                                   open_timeout=60, max_queue=None)
                break
            except OSError:
                await asyncio.sleep(0.1 * (attempt + 1))
        else:
            raise RuntimeError("could not connect")
        pending, latencies, heard = self.pending, self.latencies, self.heard
        async for text in ws:
            self.received += 1
            heard.add(index)
            if '"call.ringing"' in text:
                call_id = json.loads(text)["call"]["id"]
                started = pending.pop(call_id, None)
                if started is not None:
                    latencies.append(time.perf_counter() - started)
            elif '"call.context"' in text:
                self.contexts += 1

    async def run(self) -> list[dict]:
        from tests.fakes.ami_server import FakeAmiServer

        args = self.args
        tmp = Path(tempfile.mkdtemp(prefix="helpline-bench-"))
        self.stats_path = tmp / "gc.json"
        db_url, users = await prepare_db(tmp / "bench.db", args.agents)
        ami = await FakeAmiServer(secret="bench", auth_fail_delay=0.05).start()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = mp.get_context("spawn").Process(
            target=_server, args=(db_url, ami.url, sock, not args.no_gc_freeze, str(self.stats_path),
                                 tuple(int(x) for x in args.gc_threshold.split(",")) if args.gc_threshold else ()),
            daemon=True)
        server.start()
        self.server_pid = server.pid or 0
        sock.close()
        clients: list[asyncio.Task] = []
        try:
            await ami.wait_for_logins(1, timeout=60)
            await ami.wait_for_action("CoreShowChannels", timeout=60)
            await asyncio.sleep(3.0)  # the server's start-up objects are frozen (after 2 s)
            before, types_before = await self.tracked_objects(1)
            started = time.perf_counter()
            for batch in range(0, len(users), 100):
                clients += [asyncio.create_task(self.client(port, batch + i, uid, name))
                            for i, (uid, name) in enumerate(users[batch:batch + 100])]
                await asyncio.sleep(0.05)
            async with asyncio.timeout(300):
                while server.is_alive() and self.received < len(users):  # every socket got its snapshot
                    await asyncio.sleep(0.1)
            connected_s = time.perf_counter() - started
            await asyncio.sleep(1.0)
            after, types_after = await self.tracked_objects(2)
            print(f"{len(users)} websockets connected in {connected_s:.1f} s; objects the server's collector "
                  f"tracks: {before:,} before, {after:,} after ({(after - before) / len(users):.0f} per socket)",
                  flush=True)
            if args.object_types:
                per = {k: (n - types_before.get(k, 0)) / len(users) for k, n in types_after.items()}
                print("  per socket: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])
                                                   if v >= 0.5), flush=True)
            results = []
            for n, case in enumerate(args.cases.split(",")):
                results.append(await self.case(ami, case.strip(), len(users), n))
                print(report(results[-1], args), flush=True)
            return results
        finally:
            for task in clients:
                task.cancel()
            server.terminate()
            server.join(5)
            await asyncio.sleep(0.2)
            await ami.stop()

    async def case(self, ami: object, case: str, agents: int, case_no: int) -> dict:
        args = self.args
        if case not in CASES:
            raise SystemExit(f"unknown case {case!r} (one of {', '.join(CASES)})")
        rate = args.calm_rate if case == "calm" else args.busy_rate
        ivr_s = 0.0 if case == "no-ivr" else args.ivr_s
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        async def background() -> int:
            sent, loop_no = 0, 1000 * case_no
            frames, index = background_frames(loop_no, agents), 0
            tick, per_tick = 0.01, rate / 100
            state_per_tick = agents / args.state_every / 100 if args.state_every > 0 else 0.0
            next_at, owed, state_owed = time.perf_counter(), 0.0, 0.0
            while not stop.is_set():
                owed += per_tick
                state_owed += state_per_tick
                count, states = int(owed), int(state_owed)
                owed -= count
                state_owed -= states
                chunk = []
                for _ in range(count):
                    if index == len(frames):
                        loop_no += 1
                        frames, index = background_frames(loop_no, agents), 0
                    chunk.append(frames[index])
                    index += 1
                for _ in range(states):  # paused on even rounds, unpaused on odd ones (across cases)
                    n = self.next_state
                    chunk.append(pause_frame(n % agents, (n // agents) % 2 == 0))
                    self.next_state += 1
                if chunk:
                    ami.emit(b"".join(chunk))  # type: ignore[attr-defined]
                    sent += len(chunk)
                next_at += tick
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            return sent

        self.latencies.clear()
        self.pending.clear()
        bg_started = time.perf_counter()
        bg = asyncio.create_task(background())
        await asyncio.sleep(1.0)
        self.heard.clear()
        self.contexts = 0
        gc_before = self.server_stats()
        cpu_before = self.server_cpu_s()
        t0 = time.perf_counter()

        def ring(frame: bytes, call_id: str) -> None:
            self.pending[call_id] = time.perf_counter()
            ami.emit(frame)  # type: ignore[attr-defined]

        pops = int(args.duration * args.pop_rate)
        first = 1_000_000 * (case_no + 1)
        for n in range(pops):
            agent = (first + n) % agents
            setup, called, hangup, call_id = measured_call(first + n, agent)
            if ivr_s > 0:
                ami.emit(setup)  # type: ignore[attr-defined]
                loop.call_later(ivr_s, ring, called, call_id)
            else:  # the call reaches the queue at once: all three in one write
                self.pending[call_id] = time.perf_counter()
                ami.emit(setup + called)  # type: ignore[attr-defined]
            loop.call_later(ivr_s + 0.1, ami.emit, hangup)  # type: ignore[attr-defined]
            await asyncio.sleep(max(0.0, t0 + (n + 1) / args.pop_rate - time.perf_counter()))
        await asyncio.sleep(1.0 + ivr_s)
        window = time.perf_counter() - t0
        gc_after = self.server_stats()
        cpu_s = self.server_cpu_s() - cpu_before
        heard, contexts = len(self.heard), self.contexts
        stop.set()
        background_sent = await bg
        elapsed = time.perf_counter() - bg_started
        ms = sorted(x * 1000 for x in self.latencies)
        if not ms:
            raise SystemExit(f"{case}: no pop was received")
        return {
            "case": case, "agents": agents, "ivr_s": ivr_s, "window_s": window,
            "pops_sent": pops, "pops_received": len(ms),
            "background_events_per_s": background_sent / elapsed,
            "p50_ms": statistics.median(ms), "p90_ms": percentile(ms, 0.90),
            "p99_ms": percentile(ms, 0.99), "max_ms": ms[-1],
            "gc": [gc_after["count"][g] - gc_before["count"][g] for g in range(3)],
            "gc_max_ms": [gc_after["max_ms"][g] for g in range(3)],
            "gc_total_ms": [gc_after["total_ms"][g] - gc_before["total_ms"][g] for g in range(3)],
            "sockets_heard": heard, "context_follow_ups": contexts,
            "server_cpu_share": cpu_s / window, "load_average": os.getloadavg()[0],
        }


CASES = ("calm", "busy", "no-ivr")


def report(r: dict, args: argparse.Namespace) -> str:
    gc = ", ".join(f"gen{g} {r['gc'][g]} ({r['gc_total_ms'][g]:.0f} ms)" for g in range(3))
    return (f"{r['case']}: AgentCalled -> call.ringing ({r['agents']} sockets, "
            f"{r['background_events_per_s']:.0f} background events/s, AgentCalled {r['ivr_s']:g} s after "
            f"the call arrived, {r['window_s']:.0f} s): p50 {r['p50_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms, "
            f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms ({r['pops_received']}/{r['pops_sent']} pops); "
            f"sockets that received messages {r['sockets_heard']}/{r['agents']}; "
            f"call.context follow-ups {r['context_follow_ups']}; server GC in the window: {gc}; "
            f"longest gen2 pause since start {r['gc_max_ms'][2]:.1f} ms; server CPU {r['server_cpu_share']:.2f} "
            f"of a core; load average {r['load_average']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=1000, help="agent users, each with a connected websocket")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds of measured calls per case (long enough to see full collections)")
    parser.add_argument("--pop-rate", type=float, default=20.0, help="measured calls per second")
    parser.add_argument("--calm-rate", type=float, default=50.0, help="background AMI events per second (calm)")
    parser.add_argument("--busy-rate", type=float, default=500.0,
                        help="background AMI events per second (busy, no-ivr)")
    parser.add_argument("--state-every", type=float, default=10.0,
                        help="seconds between two agent.state messages on each socket (0: none)")
    parser.add_argument("--ivr-s", type=float, default=1.0,
                        help="seconds between the call's arrival (Newchannel, QueueCallerJoin) and AgentCalled "
                             "in the calm and busy cases")
    parser.add_argument("--object-types", action="store_true",
                        help="also print the server's tracked objects per socket by type")
    parser.add_argument("--gc-threshold", default="",
                        help="the server's gc.set_threshold, e.g. 700,10,10 (default: serve's, helpline.gcfreeze)")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="leave the server's start-up objects to the garbage collector (as before issue 10)")
    args = parser.parse_args()
    asyncio.run(Load(args).run())


if __name__ == "__main__":
    main()
