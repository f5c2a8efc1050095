"""Screen-pop latency: AgentCalled sent by the PBX -> call.ringing JSON on the agent's websocket.

    python -m bench.screen_pop [--agents 1000] [--rate 500] [--pops 600] [--pop-rate 20]

Two processes. The server process is `helpline serve`'s CTI and web parts (run_cti + uvicorn
with websockets-sansio) on a SQLite database holding one citizen with a complaint per agent.
The load process runs the fake AMI server and `--agents` websocket clients (one per agent
user, `websockets` library). It sends `--rate` events/s of background traffic (the real
`ami/burst.txt` capture, replayed in a loop with fresh channel ids, so its calls are
tracked, popped to agent1001..1003 and written as call rows) and, `--pop-rate` times a
second, a measured call to a random connected agent, built from the frames of
`ami/inbound-answered.txt`: Newchannel and QueueCallerJoin, then `--ivr-s` later AgentCalled
(the CTI looks the caller up when the call arrives; with `--ivr-s 0` the three are written
together and the lookup is inside the measured time). Latency = from just before AgentCalled
is written to the moment the agent's client has the `call.ringing` message, on the load
process's clock.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
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

def _server(db_url: str, ami_url: str, sock: socket.socket, gc_freeze: bool = True) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(db_url, ami_url, sock, gc_freeze))


async def _serve(db_url: str, ami_url: str, sock: socket.socket, gc_freeze: bool = True) -> None:
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
        if gc_freeze:  # as `helpline serve` does (helpline.gcfreeze)
            from helpline.gcfreeze import run_gc_freeze

            tg.create_task(run_gc_freeze(ctx, stop, delay=2.0))


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

def background_frames(loop: int) -> list[bytes]:
    """burst.txt's events with channel ids made unique for replay number `loop`."""
    from tests.traces import ami as read_capture

    data = read_capture("burst")
    body = data[data.index(b"\r\n") + 2:]
    frames = [f + b"\r\n\r\n" for f in body.split(b"\r\n\r\n") if f.startswith(b"Event: ")
              and not f.startswith((b"Event: FullyBooted", b"Event: SuccessfulAuth"))]
    suffix = f"{loop:05d}".encode()
    return [ID_RE.sub(lambda m: m.group(1) + b": " + m.group(2) + suffix + b"\r", f) for f in frames]


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


async def load(args: argparse.Namespace) -> dict[str, float]:
    from websockets.asyncio.client import connect

    from agent_console.auth import issue_token
    from tests.fakes.ami_server import FakeAmiServer

    tmp = Path(tempfile.mkdtemp(prefix="helpline-bench-"))
    db_url, users = await prepare_db(tmp / "bench.db", args.agents)
    ami = await FakeAmiServer(secret="bench", auth_fail_delay=0.05).start()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = mp.get_context("spawn").Process(target=_server, args=(db_url, ami.url, sock, not args.no_gc_freeze),
                                             daemon=True)
    server.start()
    sock.close()
    await ami.wait_for_logins(1, timeout=30)
    await ami.wait_for_action("CoreShowChannels", timeout=30)

    pending: dict[str, float] = {}
    latencies: list[float] = []
    received = 0

    async def client(user_id: int, name: str) -> None:
        nonlocal received
        token = issue_token(SECRET, user_id, name, "agent", 3600)
        for attempt in range(50):
            try:
                ws = await connect(f"ws://127.0.0.1:{port}/ws/agent?token={token}", ping_interval=None,
                                   open_timeout=30, max_queue=None)
                break
            except OSError:
                await asyncio.sleep(0.1 * (attempt + 1))
        else:
            raise RuntimeError("could not connect")
        async for text in ws:
            received += 1
            if '"call.ringing"' in text:
                call_id = json.loads(text)["call"]["id"]
                started = pending.pop(call_id, None)
                if started is not None:
                    latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    clients = []
    for batch in range(0, len(users), 100):
        clients += [asyncio.create_task(client(uid, name)) for uid, name in users[batch:batch + 100]]
        await asyncio.sleep(0.05)
    async with asyncio.timeout(120):
        while server.is_alive():
            await asyncio.sleep(0.1)
            if received >= len(users):  # every socket got its snapshot
                break
    print(f"{len(users)} websockets connected in {time.perf_counter() - started:.1f} s")

    stop = asyncio.Event()

    async def background() -> int:
        sent, loop_no, frames, index = 0, 0, background_frames(0), 0
        tick, per_tick = 0.01, args.rate / 100
        next_at, owed = time.perf_counter(), 0.0
        while not stop.is_set():
            owed += per_tick
            count = int(owed)
            owed -= count
            chunk = []
            for _ in range(count):
                if index == len(frames):
                    loop_no += 1
                    frames, index = background_frames(loop_no), 0
                chunk.append(frames[index])
                index += 1
            if chunk:
                ami.emit(b"".join(chunk))
                sent += len(chunk)
            next_at += tick
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        return sent

    bg_started = time.perf_counter()
    bg = asyncio.create_task(background())
    await asyncio.sleep(1.0)
    t0 = time.perf_counter()
    loop = asyncio.get_running_loop()

    def ring(frame: bytes, call_id: str) -> None:
        pending[call_id] = time.perf_counter()
        ami.emit(frame)

    for n in range(args.pops):
        agent = random.randrange(len(users))
        setup, called, hangup, call_id = measured_call(n, agent)
        ami.emit(setup)
        if args.ivr_s > 0:
            loop.call_later(args.ivr_s, ring, called, call_id)
        else:
            ring(called, call_id)
        loop.call_later(args.ivr_s + 0.1, ami.emit, hangup)
        await asyncio.sleep(max(0.0, t0 + (n + 1) / args.pop_rate - time.perf_counter()))
    await asyncio.sleep(1.0 + args.ivr_s)
    stop.set()
    background_sent = await bg
    elapsed = time.perf_counter() - bg_started
    for task in clients:
        task.cancel()
    server.terminate()
    server.join(5)
    await asyncio.sleep(0.2)
    await ami.stop()
    ms = sorted(x * 1000 for x in latencies)
    if not ms:
        raise SystemExit("no pop was received")
    return {
        "agents": len(users), "pops_sent": args.pops, "pops_received": len(ms),
        "background_events_per_s": background_sent / elapsed,
        "p50_ms": statistics.median(ms), "p90_ms": ms[int(0.90 * (len(ms) - 1))],
        "p99_ms": ms[int(0.99 * (len(ms) - 1))], "max_ms": ms[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500.0, help="background AMI events per second")
    parser.add_argument("--pops", type=int, default=600, help="measured calls")
    parser.add_argument("--pop-rate", type=float, default=20.0, help="measured calls per second")
    parser.add_argument("--ivr-s", type=float, default=1.0,
                        help="seconds between the call's arrival (Newchannel, QueueCallerJoin) and AgentCalled; "
                             "0 = all at once, the caller lookup inside the measured time")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="leave the server's start-up objects to the garbage collector (as before issue 10)")
    args = parser.parse_args()
    result = asyncio.run(load(args))
    print(f"screen pop, AgentCalled -> call.ringing on the agent's websocket "
          f"({result['agents']} sockets, {result['background_events_per_s']:.0f} background events/s, "
          f"AgentCalled {args.ivr_s:g} s after the call arrived): "
          f"p50 {result['p50_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
          f"max {result['max_ms']:.2f} ms ({result['pops_received']}/{result['pops_sent']} pops received)")


if __name__ == "__main__":
    main()
