"""Scale-out as an operator runs it (issue 10): three `helpline serve` processes on PostgreSQL and
Redis, two Asterisk pods (fake AMI servers replaying the captures). One call = one row, agent
rows once, each stream owned by one process; SIGKILL the owner mid-call and another takes over
within 10 s, the call still ends as one row with its outcome and the agent's pops still arrive."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from storage.db import Database
from storage.models import AgentLogin, AgentStateChange, Call, Citizen
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.cti_stack import REDIS_URL, caller_context
from tests.fakes.serve_cluster import ServeCluster, ServeProcess, ami_name, fresh
from tests.helpers import PASSWORD, make_user
from tests.traces import ami as capture_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
AGENT, EXTENSION = "agent1", "agent1001"  # the agent of the inbound-answered capture
TAKEOVER_LIMIT_S = 10.0


async def _redis_or_skip() -> None:
    from tests.component.test_ws_sockets import _redis_or_skip as check

    await check()


async def _token(process: ServeProcess) -> str:
    async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
        r = await http.post("/api/v1/auth/token", json={"username": AGENT, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


async def _socket(process: ServeProcess, token: str) -> ClientConnection:
    ws = await connect(f"{process.ws_base}/ws/agent?token={token}")
    await asyncio.wait_for(ws.recv(), 10)  # the snapshot
    return ws


async def _collect(ws: ClientConnection, until: dict[str, int], timeout: float = 60.0) -> list[dict[str, Any]]:
    """Messages until each type in `until` arrived that many times (then 0.5 s more of quiet)."""
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while any(sum(m["type"] == kind for m in out) < n for kind, n in until.items()):
            out.append(json.loads(await ws.recv()))
    while True:
        try:
            async with asyncio.timeout(0.5):
                out.append(json.loads(await ws.recv()))
        except TimeoutError:
            return out


async def _rows(db: Database, model: type[Any], count: int, timeout: float = 60.0) -> list[Any]:
    """The rows of `model` once there are at least `count`."""
    async with asyncio.timeout(timeout):
        while True:
            async with db.sessions() as session:
                rows = list((await session.scalars(select(model).order_by(model.id))).all())
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.1)


def _split(name: str, before_event: str) -> tuple[bytes, bytes]:
    """A capture cut in two at the first frame of `before_event` (mid-call)."""
    data = capture_bytes(name)
    cut = data.index(f"Event: {before_event}\r\n".encode())
    return data[:cut], data[cut:]


async def test_three_processes_two_pods_one_row_per_call(pg_url: str, tmp_path: Path) -> None:
    await _redis_or_skip()
    db = Database(pg_url)
    await make_user(db, AGENT, "agent", extension=EXTENSION)
    try:
        async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b, \
                ServeCluster(3, pg_url, [pod_a, pod_b], tmp_path, redis_url=REDIS_URL) as cluster:
            owners = await cluster.owners()
            assert set(owners) == {ami_name(pod_a), ami_name(pod_b)}
            token = await _token(cluster.processes[0])
            sockets = [await _socket(p, token) for p in cluster.processes]  # the agent's desk on every process
            await pod_a.replay("inbound-answered")
            await pod_b.replay("inbound-answered")
            # per pod the capture makes 5 agent changes: ready (the member as found), ringing, on_call,
            # wrap_up, and ready again when the queue's 5 s wrap-up ends
            received = [await _collect(ws, {"call.ended": 2, "agent.state": 10}) for ws in sockets]
            for messages in received:  # every process delivered each pop once: no double pops
                kinds = [m["type"] for m in messages]
                assert (kinds.count("call.ringing"), kinds.count("call.answered"), kinds.count("call.ended")) == (
                    2, 2, 2), kinds
            calls = await _rows(db, Call, 2)
            states = [m for m in received[0] if m["type"] == "agent.state"]
            agent_rows = await _rows(db, AgentStateChange, len(states))
            await asyncio.sleep(1.0)  # a second writer would have flushed by now (every 0.2 s)
            calls = await _rows(db, Call, 2)
            assert len(calls) == 2, [(c.server, c.linkedid) for c in calls]
            assert {c.server for c in calls} == {ami_name(pod_a), ami_name(pod_b)}
            assert {c.outcome for c in calls} == {"answered"} and {c.agent for c in calls} == {EXTENSION}
            agent_rows = await _rows(db, AgentStateChange, len(states))
            assert len(states) == 10 and len(agent_rows) == len(states), (
                [(r.state, str(r.at)) for r in agent_rows], [(m["state"], m["since"]) for m in states])
            assert sorted(r.state for r in agent_rows) == sorted(m["state"] for m in states)
            for ws in sockets:
                await ws.close()
    finally:
        await db.dispose()


async def test_owner_killed_mid_call_another_takes_over(pg_url: str, tmp_path: Path) -> None:
    await _redis_or_skip()
    db = Database(pg_url)
    await make_user(db, AGENT, "agent", extension=EXTENSION)
    before_end, rest = _split("inbound-answered", "HangupRequest")
    async with db.session_scope() as session:  # the capture's caller is a known citizen
        session.add(Citizen(phone="+919812345678", name="Asha Devi", language="hi", created_at=datetime.now(timezone.utc)))
    try:
        async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
            pod_a.register(EXTENSION)  # the agent's phone is on pod A
            async with ServeCluster(3, pg_url, [pod_a, pod_b], tmp_path, redis_url=REDIS_URL) as cluster:
                name = ami_name(pod_a)
                owner = (await cluster.owners())[name]
                desk = next(p for p in cluster.processes if p is not owner)  # the agent's browser is elsewhere
                token = await _token(desk)
                async with httpx.AsyncClient(base_url=desk.base, timeout=10) as http:
                    auth = {"Authorization": f"Bearer {token}"}
                    r = await http.post("/api/v1/agents/me/login", json={"extension": EXTENSION}, headers=auth)
                    assert r.status_code == 200, r.text
                    r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=auth)
                    assert r.status_code == 200, r.text
                ws = await _socket(desk, token)
                await pod_a.replay(before_end)
                first = await _collect(ws, {"call.ringing": 1, "call.answered": 1})
                call_id = next(m for m in first if m["type"] == "call.answered")["call"]["id"]
                removes = len(pod_a.actions_named("QueueRemove"))

                owner.kill()  # mid-call: the caller and the agent are talking
                await pod_a.replay(rest)  # the call ends while nobody owns the stream, or just after
                second = fresh(before_end, 2)
                await pod_a.replay(second)  # and the next call rings the agent before anyone owns it
                new_owner, took = await cluster.wait_owner(name, timeout=30)
                assert took <= TAKEOVER_LIMIT_S, f"takeover took {took:.1f} s"
                assert new_owner is not owner and new_owner.alive

                ended = await _collect(ws, {"call.ended": 1, "call.ringing": 1})  # the agent's pops still arrive
                end = next(m for m in ended if m["type"] == "call.ended")
                assert end["call"]["id"] == call_id and end.get("outcome") in (None, "answered"), end
                ringing = next(m for m in ended if m["type"] == "call.ringing")  # the call that rang meanwhile
                assert ringing["call"]["id"] != call_id
                assert [c["name"] for c in caller_context(ended, ringing["call"]["id"])["citizens"]] == ["Asha Devi"]
                await _rows(db, Call, 1)
                await asyncio.sleep(1.0)  # a second writer would have flushed by now
                calls = [c for c in await _rows(db, Call, 1) if c.linkedid == call_id]
                assert [(c.linkedid, c.outcome, c.agent) for c in calls] == [(call_id, "answered", EXTENSION)]

                # the agent is still logged in and paused, in Asterisk and in Helpline
                assert len(pod_a.actions_named("QueueRemove")) == removes
                async with asyncio.timeout(15):
                    while not all(pod_a.members.get(q, {}).get(f"PJSIP/{EXTENSION}", {}).get("Paused") == "1"
                                  for q in ("helpline-hi", "helpline-en")):
                        await asyncio.sleep(0.05)
                async with db.sessions() as session:
                    login = (await session.scalars(select(AgentLogin))).one()
                assert login.extension == EXTENSION and login.paused and login.pause_reason == "lunch"
                async with httpx.AsyncClient(base_url=desk.base, timeout=10) as http:
                    me = (await http.get("/api/v1/agents/me", headers={"Authorization": f"Bearer {token}"})).json()
                assert me["login"]["paused"] is True
                await ws.close()
    finally:
        await db.dispose()
