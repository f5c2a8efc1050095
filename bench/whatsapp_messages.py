"""WhatsApp load next to screen pops: 100 inbound messages/s on one process with 1,000 agent
sockets open. Every message must be answered once, and the pop p99 must not move.

    python -m bench.whatsapp_messages [--agents 1000] [--rate 500] [--pop-rate 20] [--wa-rate 100] [--seconds 20]
    python -m bench.whatsapp_messages --in-process [--concurrency 20]   # CPU and SQL per message only

Three processes. The server runs `helpline serve`'s CTI, web and messaging parts on SQLite, with
the Graph API pointed at a fake. The pop process (as `bench.screen_pop`) runs the fake AMI server
(`--rate` events/s of background traffic), `--agents` agent websockets and a measured pop
`--pop-rate` times a second, and measures. The WhatsApp process runs the fake Graph API and, in
the second phase, sends signed webhook POSTs at `--wa-rate` messages/s: each citizen says "hi"
(the bot answers with the language buttons), chooses English (the menu) and asks for a status
(the bot asks for the number), a second apart. One run measures both phases: pops alone, then
pops with the messages. Answered once = the fake Graph API received, for every citizen, exactly
as many replies as the citizen's messages that were taken.

Rates: `whatsapp_rate_steady` counts the webhooks answered 200 (message taken) and
`replies_rate_steady` the replies the fake Graph API received, both over the steady part of the
phase (from 3 s in, when every step is flowing, to its end), so the ramp at the start and the
drain at the end do not dilute them; `reply_drain_s` is how long after the last webhook the last
reply arrived. `server_cpu_ms_per_message` is the server process's CPU time (from /proc) while
the messages ran, less what the pops and background events alone took per second in the first
phase, per message taken: a figure that does not depend on the load of the machine.
`server_runqueue_wait_share` and `sender_runqueue_wait_share` say how much of the second phase
the server's and the citizens' threads spent ready to run but waiting for a CPU (schedstat): on
a machine shared with other work they show when the rates measure the machine, not Helpline.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import socket
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.screen_pop import SECRET, background_frames, measured_call, prepare_db

APP_SECRET = "bench-app-secret"


def _server(db_url: str, ami_url: str, graph_url: str, sock: socket.socket, profile: str = "",
            gc_freeze: bool = True) -> None:
    import logging
    import signal

    logging.basicConfig(level=logging.WARNING)
    if not profile:
        asyncio.run(_serve(db_url, ami_url, graph_url, sock, gc_freeze))
        return
    import cProfile

    def stop(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(_serve(db_url, ami_url, graph_url, sock, gc_freeze))
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


async def _serve(db_url: str, ami_url: str, graph_url: str, sock: socket.socket, gc_freeze: bool = True) -> None:
    import uvicorn

    from agent_console.app import create_app
    from common.context import AppContext
    from config.settings import Settings
    from cti.run import run_cti
    from messaging.run import run_messaging
    from storage.db import Database

    settings = Settings(database_url=db_url, ami_urls=ami_url, secret_key=SECRET, redis_url="", quiet_hours="",
                        whatsapp_token="test-token", whatsapp_phone_number_id="1234567890",
                        whatsapp_api_url=graph_url, whatsapp_app_secret=APP_SECRET,
                        whatsapp_messages_per_second=1000)
    db = Database(db_url)
    ctx = AppContext.build(settings, db)
    stop = asyncio.Event()
    # as `helpline serve` runs uvicorn (helpline.server.web_config: forwarded headers are the app's
    # business, not uvicorn's) and freezes its start-up objects (helpline.gcfreeze)
    config = uvicorn.Config(create_app(ctx), ws="websockets-sansio", log_level="warning", proxy_headers=False,
                            lifespan="off", access_log=False, ws_ping_interval=None, backlog=4096)
    server = uvicorn.Server(config)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(run_cti(ctx, stop))
        tg.create_task(run_messaging(ctx, stop))
        tg.create_task(server.serve(sockets=[sock]))
        if gc_freeze:
            from helpline.gcfreeze import run_gc_freeze

            tg.create_task(run_gc_freeze(ctx, stop, delay=2.0))


def _whatsapp(graph_sock: socket.socket, port: int, go: object, results: object, seconds: float, rate: float) -> None:
    """The WhatsApp process: the fake Graph API, and citizens writing once `go` is set."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    results.put(asyncio.run(_citizens(graph_sock, port, go, seconds, rate)))  # type: ignore[attr-defined]


async def _citizens(graph_sock: socket.socket, port: int, go: object, seconds: float, rate: float) -> dict[str, object]:
    import httpx

    from messaging.whatsapp.signature import HEADER, sign
    from tests.fakes import whatsapp_meta as meta
    from tests.fakes.graph_api import FakeGraphApi

    graph = FakeGraphApi(sock=graph_sock)
    await graph.__aenter__()
    await asyncio.to_thread(go.wait)  # type: ignore[attr-defined]
    acks: list[float] = []  # when each taken message's webhook was answered (from t0)
    answer_times: list[float] = []  # webhook POST → its answer
    replies_seen: list[tuple[float, int]] = []  # (when, replies received so far)
    steps = [lambda s: meta.text(s, "hi"), lambda s: meta.button_reply(s, "lang:en"),
             lambda s: meta.list_reply(s, "m:status")]
    citizens = [f"9197{n:08d}" for n in range(int(seconds * rate) // len(steps))]
    sent: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                 limits=httpx.Limits(max_connections=100)) as http:
        async def post(citizen: str, step: int) -> None:
            """One message; resent on a broken connection, as Meta resends (taken once by id)."""
            body = json.dumps(steps[step](citizen)).encode()
            for attempt in range(5):
                try:
                    asked = time.perf_counter()
                    response = await http.post("/webhooks/whatsapp", content=body, headers={HEADER: sign(APP_SECRET, body)})
                except httpx.TransportError:
                    statuses["resent"] += 1
                    continue
                statuses[str(response.status_code)] += 1
                answer_times.append(time.perf_counter() - asked)
                taken = response.json() if response.status_code == 200 else {}
                if taken.get("messages") == 1 or (attempt and taken.get("duplicates") == 1):
                    sent[citizen] += 1
                    acks.append(time.perf_counter() - t0)
                return

        async def citizen_run(citizen: str, start_at: float) -> None:
            await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
            for step in range(len(steps)):
                await post(citizen, step)
                await asyncio.sleep(1.0)  # a person takes a moment between messages

        # citizens start evenly over the phase; each sends its three messages a second apart,
        # so messages arrive at about `rate` per second once the first citizens are on step 3
        async def sample_replies() -> None:
            while True:
                replies_seen.append((time.perf_counter() - t0, len(graph.received)))
                await asyncio.sleep(0.25)

        t0 = time.perf_counter()
        sampler = asyncio.create_task(sample_replies())
        spacing = seconds / max(len(citizens), 1)
        await asyncio.gather(*(citizen_run(c, t0 + i * spacing) for i, c in enumerate(citizens)))
        took = time.perf_counter() - t0
    expected = sum(sent.values())
    last_ack = max(acks, default=0.0)
    try:
        await graph.wait_for(lambda got: len(got) >= expected, timeout=60)
    except TimeoutError:
        pass
    drained = time.perf_counter() - t0
    sampler.cancel()
    replies = Counter(m["body"]["to"] for m in graph.received)
    await graph.__aexit__()
    start, end = 3.0, seconds
    in_window = [(at, n) for at, n in replies_seen if start <= at <= end]
    replies_rate = ((in_window[-1][1] - in_window[0][1]) / (in_window[-1][0] - in_window[0][0])
                    if len(in_window) > 1 else float("nan"))
    return {"whatsapp_messages_taken": expected, "whatsapp_rate_achieved": round(expected / took, 1),
            "whatsapp_rate_steady": round(sum(1 for at in acks if start <= at < end) / (end - start), 1),
            "replies_rate_steady": round(replies_rate, 1), "reply_drain_s": round(drained - last_ack, 2),
            "webhook_answer_p50_ms": round(pct(answer_times, 0.5), 1),
            "webhook_answer_p99_ms": round(pct(answer_times, 0.99), 1),
            "webhook_answers": dict(statuses), "replies_received": len(graph.received), "citizens": len(citizens),
            "citizens_answered_exactly_once_per_message": sum(1 for c, n in sent.items() if replies.get(c) == n)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait(pid: int) -> float:
    """Seconds the process's threads spent runnable but waiting for a CPU (Linux schedstat):
    high when the machine is busier than its cores, whatever the process itself needs."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # the process has ended
        return float("nan")
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


async def load(args: argparse.Namespace) -> dict[str, object]:
    from websockets.asyncio.client import connect

    from agent_console.auth import issue_token
    from tests.fakes.ami_server import FakeAmiServer
    from tests.fakes.http_peer import bound_socket

    tmp = Path(tempfile.mkdtemp(prefix="helpline-bench-wa-"))
    db_url, users = await prepare_db(tmp / "bench.db", args.agents)
    graph_sock = bound_socket()
    graph_url = f"http://127.0.0.1:{graph_sock.getsockname()[1]}/v21.0"
    ami = await FakeAmiServer(secret="bench", auth_fail_delay=0.05).start()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    spawn = mp.get_context("spawn")
    server = spawn.Process(target=_server, args=(db_url, ami.url, graph_url, sock, args.profile_server,
                                                           not args.no_gc_freeze), daemon=True)
    server.start()
    go, results = spawn.Event(), spawn.Queue()
    sender = spawn.Process(target=_whatsapp, args=(graph_sock, port, go, results, args.seconds, args.wa_rate), daemon=True)
    sender.start()
    sock.close()
    graph_sock.close()
    await ami.wait_for_logins(1, timeout=30)
    await ami.wait_for_action("CoreShowChannels", timeout=30)

    pending: dict[str, float] = {}
    latencies: list[tuple[float, float]] = []  # (when measured, latency)
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
                started = pending.pop(json.loads(text)["call"]["id"], None)
                if started is not None:
                    latencies.append((started, time.perf_counter() - started))

    clients = []
    for batch in range(0, len(users), 100):
        clients += [asyncio.create_task(client(uid, name)) for uid, name in users[batch:batch + 100]]
        await asyncio.sleep(0.05)
    async with asyncio.timeout(120):
        while received < len(users):
            await asyncio.sleep(0.1)
    print(f"{len(users)} agent websockets connected")

    stop = asyncio.Event()

    async def background() -> None:
        loop_no, frames, index, owed = 0, background_frames(0), 0, 0.0
        next_at = time.perf_counter()
        while not stop.is_set():
            owed += args.rate / 100
            count, owed = int(owed), owed - int(owed)
            chunk = []
            for _ in range(count):
                if index == len(frames):
                    loop_no += 1
                    frames, index = background_frames(loop_no), 0
                chunk.append(frames[index])
                index += 1
            ami.emit(b"".join(chunk))
            next_at += 0.01
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    async def pops(seconds: float, offset: int) -> None:
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        for n in range(int(seconds * args.pop_rate)):
            setup, called, hangup, call_id = measured_call(offset + n, random.randrange(len(users)))
            ami.emit(setup)

            def ring(frame: bytes = called, cid: str = call_id) -> None:
                pending[cid] = time.perf_counter()
                ami.emit(frame)

            loop.call_later(0.3, ring)
            loop.call_later(0.5, ami.emit, hangup)
            await asyncio.sleep(max(0.0, t0 + (n + 1) / args.pop_rate - time.perf_counter()))
        await asyncio.sleep(1.0)

    bg = asyncio.create_task(background())
    await asyncio.sleep(1.0)
    phase_a, cpu_a = time.perf_counter(), cpu_seconds(server.pid)
    await pops(args.seconds, 0)
    phase_b, cpu_b = time.perf_counter(), cpu_seconds(server.pid)
    waits_b = runqueue_wait(server.pid), runqueue_wait(sender.pid)
    go.set()
    await pops(args.seconds, 1_000_000)
    end = time.perf_counter()
    waits_end = runqueue_wait(server.pid), runqueue_wait(sender.pid)
    wa = await asyncio.to_thread(results.get, True, 180)
    done, cpu_done = time.perf_counter(), cpu_seconds(server.pid)
    idle_rate = (cpu_b - cpu_a) / (phase_b - phase_a)  # CPU s per s for pops + background alone
    wa_cpu = (cpu_done - cpu_b) - idle_rate * (done - phase_b)
    stop.set()
    await bg
    for task in clients:
        task.cancel()
    server.terminate()
    server.join(30)
    sender.join(10)
    await ami.stop()
    alone = [lat for at, lat in latencies if phase_a <= at < phase_b]
    loaded = [lat for at, lat in latencies if phase_b <= at < end]
    return {
        "agents": len(users), "background_events_per_s": args.rate,
        "pops_alone": len(alone), "pop_p50_ms_alone": round(pct(alone, 0.5), 2), "pop_p99_ms_alone": round(pct(alone, 0.99), 2),
        "pops_with_whatsapp": len(loaded), "pop_p50_ms_with_whatsapp": round(pct(loaded, 0.5), 2),
        "pop_p99_ms_with_whatsapp": round(pct(loaded, 0.99), 2),
        **wa,
        "server_cpu_share_alone": round(idle_rate, 2),
        "server_cpu_share_with_whatsapp": round((cpu_done - cpu_b) / (done - phase_b), 2),
        # > 0.2 means the machine, not the process, sets the pace (the load average shows why)
        "server_runqueue_wait_share": round((waits_end[0] - waits_b[0]) / (end - phase_b), 2),
        "sender_runqueue_wait_share": round((waits_end[1] - waits_b[1]) / (end - phase_b), 2),
        "server_cpu_ms_per_message": round(wa_cpu * 1000 / max(int(wa["whatsapp_messages_taken"]), 1), 2),
        "mean_pop_ms_alone": round(statistics.fmean(alone) * 1000, 2) if alone else None,
    }


async def in_process(args: argparse.Namespace) -> dict[str, object]:
    """The server's share of a message without HTTP or other processes: webhook updates straight
    into the route's `_take` (`--concurrency` at a time, as webhooks overlap), then delivery
    passes to a Graph API answered in memory. CPU time and SQL statements per message."""
    import itertools

    import httpx
    from sqlalchemy import event

    from agent_console.routes.webhooks_whatsapp import _take
    from common.context import AppContext
    from config.settings import Settings
    from grievance.service import utcnow
    from messaging.channels import Channels
    from messaging.chat.intake import ChatIntake
    from messaging.delivery import Delivery
    from messaging.whatsapp import webhook
    from messaging.whatsapp.client import GraphClient
    from storage.db import Database
    from tests.fakes import whatsapp_meta as meta

    tmp = Path(tempfile.mkdtemp(prefix="helpline-bench-wa-"))
    db_url, _ = await prepare_db(tmp / "bench.db", 50)
    settings = Settings(database_url=db_url, secret_key=SECRET, redis_url="", quiet_hours="")
    db = Database(db_url)
    ctx = AppContext.build(settings, db)
    ctx.services["chat"] = ChatIntake(db, ctx.policy, ctx.tz, utcnow)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    citizens = [f"9197{n:08d}" for n in range(int(args.seconds * args.wa_rate) // 3)]
    steps = [lambda s: meta.text(s, "hi"), lambda s: meta.button_reply(s, "lang:en"),
             lambda s: meta.list_reply(s, "m:status")]
    bodies = [json.dumps(step(c)).encode() for step in steps for c in citizens]
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(bodies), args.concurrency):
        await asyncio.gather(*(_take(ctx, webhook.parse(b)) for b in bodies[start:start + args.concurrency]))
    intake_cpu, intake_wall, intake_sql = time.process_time() - cpu, time.perf_counter() - wall, statements[0]
    ids = itertools.count()
    graph = httpx.MockTransport(lambda _: httpx.Response(200, json={"messages": [{"id": f"wamid.{next(ids)}"}]}))
    delivery = Delivery(db, Channels(whatsapp=GraphClient(api_url="http://graph.test/v21.0", token="t",
                                                          phone_number_id="1", rate=1e6, transport=graph)),
                        tz=ctx.tz, quiet=None, clock=utcnow)
    cpu, sent = time.process_time(), 0
    while (n := await delivery.pass_once()):
        sent += n
    delivery_cpu = time.process_time() - cpu
    await delivery.channels.aclose()
    await db.dispose()
    n = len(bodies)
    return {"messages": n, "concurrency": args.concurrency, "replies_sent": sent,
            "intake_cpu_ms_per_message": round(intake_cpu * 1000 / n, 2),
            "intake_wall_ms_per_message": round(intake_wall * 1000 / n, 2),
            "intake_sql_statements_per_message": round(intake_sql / n, 2),
            "delivery_cpu_ms_per_reply": round(delivery_cpu * 1000 / max(sent, 1), 2),
            "delivery_sql_statements_per_reply": round((statements[0] - intake_sql) / max(sent, 1), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=500, help="background AMI events per second")
    parser.add_argument("--pop-rate", type=float, default=20.0)
    parser.add_argument("--wa-rate", type=float, default=100.0, help="inbound WhatsApp messages per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--profile-server", default="", metavar="FILE",
                        help="run the server under cProfile and write its stats to FILE (pstats)")
    parser.add_argument("--no-gc-freeze", action="store_true", help="the server does not freeze its start-up "
                        "objects (helpline serve does)")
    parser.add_argument("--in-process", action="store_true",
                        help="only the server's work per message, in this process (no HTTP, no pops): CPU and SQL")
    parser.add_argument("--concurrency", type=int, default=20, help="with --in-process: webhooks at a time")
    args = parser.parse_args()
    result = asyncio.run(in_process(args) if args.in_process else load(args))
    for key, value in result.items():
        print(f"{key:45s} {value}")


if __name__ == "__main__":
    main()
