"""(h) Failures on the real Asterisk: the FastAGI server unreachable (the caller hears the
apology and goes to an agent, never dead air), and Asterisk restarted in the middle of a call
(the CTI reconnects, logs its agents in again, and the call has exactly one row)."""
from __future__ import annotations

import socket
from typing import Any

import httpx

from storage.queries import calls as call_q
from tests.integration.harness.lab import Lab, until
from tests.integration.harness.sip import Answerer, Caller, free_port


async def test_fastagi_down_apologises_then_queues(lab: Lab) -> None:
    closed = free_port(socket.SOCK_STREAM, both=False)  # nothing listens here: the server is "down"
    agent = await lab.user("ragent8", extension="agent1008")
    await lab.phone("agent1008", Answerer(ring_ms=300))
    await lab.login(agent)
    async with lab.observer() as ami:
        r = await ami.send("Setvar", Variable="HELPLINE_AGI", Value=f"agi://127.0.0.1:{closed}")
        assert r.get("Response") == "Success"
        try:
            caller = await lab.call(Caller(caller="9876500071", steps=[("pause", 15000)]))
            connect = await ami.wait(lambda e: e.event == "AgentConnect" and e.get("CallerIDNum") == "9876500071",
                                     45, "the caller connected to an agent")
            assert await caller.finished(40) == 0, caller.errors()
        finally:
            await ami.send("Setvar", Variable="HELPLINE_AGI", Value=f"agi://127.0.0.1:{lab.server.agi_port}")
        channel = connect.get("Channel")
        mine = [e for e in ami.events if e.get("Channel") == channel]
    failed = [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "HELPLINE_AGI_FAILED"]
    assert failed == ["caller-lookup"]
    assert [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "AGISTATUS"][0] == "FAILURE"
    names = [f for f, _ in lab.played(channel)]
    assert names.index("helpline/sorry-technical.slin") < names.index("helpline/queue-connecting.slin")
    assert connect.get("Queue") == "helpline-hi" and connect.get("Interface") == "PJSIP/agent1008"


async def test_asterisk_restart_mid_call_reconnects_readds_agents_and_keeps_one_row(lab: Lab) -> None:
    agent = await lab.user("ragent8", extension="agent1008")
    await lab.phone("agent1008", Answerer(ring_ms=300))
    await lab.login(agent)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500072", steps=[
            ("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"), ("pause", 60000)]))
        connect = await ami.wait(lambda e: e.event == "AgentConnect" and e.get("CallerIDNum") == "9876500072",
                                 45, "the caller connected to an agent")
    linkedid = connect.get("Linkedid")
    lab.pbx.restart()  # core stop now, then the same configuration and state again
    assert await caller.finished(40) == 0, caller.errors()  # Asterisk hung the call up on the way down

    async def connected() -> bool:
        async with httpx.AsyncClient(base_url=lab.server.url, timeout=5) as http:
            health = (await http.get("/api/v1/health")).json()
        return bool(health["pbx"]) and all(p["connected"] for p in health["pbx"])
    await until(connected, 60, "helpline serve connected again", interval=0.3)
    # dynamic members vanish on restart: the CTI logs the agent in again
    await until(lambda: "agent1008" in lab.pbx.rx("queue show helpline-hi"), 30, "agent1008 back in helpline-hi",
                interval=0.3)
    async with lab.http() as http:
        me = (await http.get("/api/v1/agents/me", headers=agent)).json()
    assert me["state"] in ("ready", "wrap_up", "paused"), me

    async def rows() -> Any:
        async with lab.db() as db, db.sessions() as session:
            return await call_q.by_linkedid(session, linkedid)
    found = await until(rows, 30, "the interrupted call's row")
    async with lab.db() as db, db.sessions() as session:
        again = await call_q.by_linkedid(session, linkedid)
    assert len(found) == len(again) == 1, [(r.id, r.outcome) for r in again]
    assert again[0].agent == "agent1008" and again[0].outcome in ("answered", "shutdown")
    assert again[0].ended_at is not None

